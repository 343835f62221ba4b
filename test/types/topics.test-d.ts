import { describe, expectTypeOf, it } from 'vitest';
import { createMemoryBus } from '../../src/memory/index.js';
import type { Message, PatternPayload, PayloadOf, PublishSubject } from '../../src/index.js';

interface Order {
  id: string;
  total: number;
}
interface Shipment {
  carrier: string;
}
type Topics = {
  'orders.created': Order;
  'orders.*.shipped': Shipment;
  'log.>': string;
};

describe('typed topic maps', () => {
  it('computes the publishable subjects and their payloads', () => {
    expectTypeOf<PublishSubject<Topics>>().toEqualTypeOf<'orders.created' | `orders.${string}.shipped` | `log.${string}`>();
    expectTypeOf<PayloadOf<Topics, 'orders.created'>>().toEqualTypeOf<Order>();
    expectTypeOf<PayloadOf<Topics, 'orders.42.shipped'>>().toEqualTypeOf<Shipment>();
    expectTypeOf<PayloadOf<Topics, 'log.app.error'>>().toEqualTypeOf<string>();
  });

  it('computes what a pattern receives', () => {
    expectTypeOf<PatternPayload<Topics, 'orders.>'>>().toEqualTypeOf<Order | Shipment>();
    expectTypeOf<PatternPayload<Topics, 'orders.*'>>().toEqualTypeOf<Order>();
    expectTypeOf<PatternPayload<Topics, 'log.web'>>().toEqualTypeOf<string>();
    expectTypeOf<PatternPayload<Topics, 'users.*'>>().toEqualTypeOf<never>();
    expectTypeOf<PatternPayload<Topics, 'orders.*.shipped'>>().toEqualTypeOf<Shipment>();
    // log.x.shipped matches both '*.*.shipped' and 'log.>'
    expectTypeOf<PatternPayload<Topics, '*.*.shipped'>>().toEqualTypeOf<Shipment | string>();
    expectTypeOf<PatternPayload<Topics, '>'>>().toEqualTypeOf<Order | Shipment | string>();
  });

  it('checks publish and subscribe calls on a typed bus', () => {
    const bus = createMemoryBus<Topics>();
    void bus.publish('orders.created', { id: 'a', total: 1 });
    void bus.publish('orders.eu.shipped', { carrier: 'ups' });
    // @ts-expect-error wrong payload for the subject
    void bus.publish('orders.created', { carrier: 'ups' });
    // @ts-expect-error subject not in the map
    void bus.publish('users.created', {});
    // @ts-expect-error `*` is one token: orders.a.b.shipped matches no topic
    void bus.publish('orders.a.b.shipped', { carrier: 'ups' });
    bus.subscribe('orders.>', (m) => {
      expectTypeOf(m).toEqualTypeOf<Message<Order | Shipment>>();
    });
    bus.subscribe('orders.created', (m) => {
      expectTypeOf(m.payload).toEqualTypeOf<Order>();
    });
    // @ts-expect-error no topic can match this pattern
    bus.subscribe('users.*', () => undefined);
    const pull = bus.subscribe('log.>');
    expectTypeOf(pull.fetch(1)).resolves.toEqualTypeOf<Array<Message<string>>>();
  });

  it('leaves an untyped bus open to any subject with unknown payloads', () => {
    const bus = createMemoryBus();
    void bus.publish('anything.at.all', 1);
    bus.subscribe('any.>', (m) => {
      expectTypeOf(m.payload).toEqualTypeOf<unknown>();
    });
    expectTypeOf(bus.request<{ ok: boolean }>('svc.x', 1)).resolves.toEqualTypeOf<Message<{ ok: boolean }>>();
  });
});
