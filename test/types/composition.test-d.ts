import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Handler, Message, Middleware, Publisher } from '../../src/index.js';
import { createMemoryBus, type MemoryPublishOptions } from '../../src/memory/index.js';
import { chain, decoratePublisher, injectMessageId, retryPolicy, timeout, validatePayload, withSchema } from '../../src/middleware/index.js';
import { map } from '../../src/pipe/index.js';
import { toStream, type MessageStream } from '../../src/stream/index.js';
import { bindTopic, eventPattern, eventSubject, eventSubjects, type BoundTopic } from '../../src/topic/index.js';

interface Order {
  id: string;
  total: number;
}
type Topics = { 'shop.order.created': Order; 'shop.order.paid': { id: string; amount: number }; 'billing.invoice.requested': { orderId: string } };

describe('composition types', () => {
  it('middleware keeps the handler type; withSchema infers the payload from the schema', () => {
    expectTypeOf(chain(retryPolicy(), timeout(10))).toEqualTypeOf<Middleware>();
    expectTypeOf(chain(validatePayload(z.string()))((m: Message<string>) => m.payload.length)).toEqualTypeOf<Handler<string>>();
    withSchema(z.object({ id: z.string(), qty: z.number().default(1) }), (m) => {
      expectTypeOf(m.payload).toEqualTypeOf<{ id: string; qty: number }>();
    });
  });

  it('decoratePublisher keeps the topic map and options, so publishes stay checked', () => {
    const bus = createMemoryBus<Topics>();
    const publisher = decoratePublisher(bus, injectMessageId());
    expectTypeOf(publisher.publish).toEqualTypeOf<Publisher<Topics, MemoryPublishOptions>['publish']>();
    void publisher.publish('shop.order.created', { id: 'o1', total: 3 }, { untilHandled: true });
    // @ts-expect-error a paid event is not an Order
    void publisher.publish('shop.order.created', { id: 'o1', amount: 3 });
    // @ts-expect-error no such subject
    void publisher.publish('shop.order.deleted', { id: 'o1', total: 3 });
    const untyped = decoratePublisher(createMemoryBus());
    void untyped.publish('anything.goes', 42);
  });

  it('a pipe checks the messages it makes against the target map', () => {
    const bus = createMemoryBus<Topics>();
    map<Topics, 'shop.order.created', Topics, MemoryPublishOptions>(bus, 'shop.order.created', bus, (m) => {
      expectTypeOf(m.payload).toEqualTypeOf<Order>();
      return { subject: 'billing.invoice.requested', payload: { orderId: m.payload.id } };
    });
    // @ts-expect-error not a subject of the target
    map<Topics, 'shop.order.created', Topics, MemoryPublishOptions>(bus, 'shop.order.created', bus, (m) => ({ subject: 'billing.nothing', payload: { orderId: m.payload.id } }));
    // @ts-expect-error wrong payload for the subject
    map<Topics, 'shop.order.created', Topics, MemoryPublishOptions>(bus, 'shop.order.created', bus, (m) => ({ subject: 'shop.order.paid', payload: { orderId: m.payload.id } }));
  });

  it('a stream carries the subscription payload type', () => {
    const bus = createMemoryBus<Topics>();
    const stream = toStream(bus.subscribe('shop.order.*'));
    expectTypeOf(stream).toEqualTypeOf<MessageStream<Order | { id: string; amount: number }>>();
    expectTypeOf(stream.tee(2)).toEqualTypeOf<Array<MessageStream<Order | { id: string; amount: number }>>>();
  });

  it('event subjects keep their literal types', () => {
    expectTypeOf(eventSubject('shop', 'order', 'created')).toEqualTypeOf<'shop.order.created'>();
    expectTypeOf(eventPattern({ domain: 'shop', event: 'created' })).toEqualTypeOf<'shop.*.created'>();
    const shop = eventSubjects('shop');
    expectTypeOf(shop.subject('order', 'paid')).toEqualTypeOf<'shop.order.paid'>();
    expectTypeOf(shop.pattern({ entity: 'order' })).toEqualTypeOf<'shop.order.*'>();
    const bus = createMemoryBus<Topics>();
    void bus.publish(shop.subject('order', 'paid'), { id: 'o', amount: 1 });
  });

  it('a bound topic has the subject\'s payload type, or the schema\'s output', () => {
    const bus = createMemoryBus<Topics>();
    const paid = bindTopic<Topics, MemoryPublishOptions, 'shop.order.paid'>(bus, 'shop.order.paid');
    expectTypeOf(paid).toEqualTypeOf<BoundTopic<{ id: string; amount: number }, MemoryPublishOptions>>();
    // @ts-expect-error amount missing
    void paid.publish({ id: 'o' });
    const checked = bindTopic(createMemoryBus(), 'a.b.c', { schema: z.object({ n: z.number() }) });
    expectTypeOf(checked.publish).parameter(0).toEqualTypeOf<{ n: number }>();
    const onTyped = bindTopic(bus, 'shop.order.paid', { schema: z.object({ id: z.string(), amount: z.number() }) });
    expectTypeOf(onTyped.publish).parameter(0).toEqualTypeOf<{ id: string; amount: number }>();
    void onTyped.publish({ id: 'o', amount: 1 }, { untilHandled: true });
    // @ts-expect-error not a subject of the bus's topic map
    bindTopic(bus, 'shop.order.lost', { schema: z.object({ id: z.string() }) });
  });
});
