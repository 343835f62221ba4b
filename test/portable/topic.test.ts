import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonCodec, textCodec, type Message } from '../../src/index.js';
import { createMemoryBus } from '../../src/memory/index.js';
import { bindTopic, eventPattern, eventSubject, eventSubjects, parseEventSubject, withCodec } from '../../src/topic/index.js';
import { Inbox } from './conformance/wait.js';
import { until } from './waits.js';

describe('event subjects (domain.entity.event)', () => {
  it('builds, parses and makes wildcard patterns', () => {
    expect(eventSubject('shop', 'order', 'created')).toBe('shop.order.created');
    expect(eventPattern({ entity: 'order' })).toBe('*.order.*');
    expect(eventPattern({ domain: 'shop', event: 'created' })).toBe('shop.*.created');
    expect(eventPattern()).toBe('*.*.*');
    expect(parseEventSubject('shop.order-line.added_v2')).toEqual({ domain: 'shop', entity: 'order-line', event: 'added_v2' });
    const shop = eventSubjects('shop');
    expect(shop.subject('order', 'shipped')).toBe('shop.order.shipped');
    expect(shop.pattern({ entity: 'order' })).toBe('shop.order.*');
    expect(shop.pattern()).toBe('shop.*.*');
    expect(shop.parse('shop.cart.emptied').event).toBe('emptied');
  });

  it('rejects bad names and shapes with invalid_subject', () => {
    const invalid = expect.objectContaining({ code: 'invalid_subject' });
    expect(() => eventSubject('shop', 'order.line', 'added')).toThrow(invalid);
    expect(() => eventSubject('shop', '*', 'added')).toThrow(invalid);
    expect(() => eventSubject('shop', '', 'added')).toThrow(invalid);
    expect(() => eventSubject('shop', 'order', 'was created')).toThrow(invalid);
    expect(() => eventPattern({ entity: '>' })).toThrow(invalid);
    expect(() => parseEventSubject('shop.order')).toThrow(invalid);
    expect(() => parseEventSubject('shop.order.created.v2')).toThrow(invalid);
    expect(() => parseEventSubject('shop.*.created')).toThrow(invalid);
    expect(() => eventSubjects('shop').parse('bank.account.opened')).toThrow(invalid);
    expect(() => eventSubjects('my shop')).toThrow(invalid);
  });

  it('patterns match the subjects they stand for on the bus', async () => {
    const bus = createMemoryBus();
    const shop = eventSubjects('shop');
    const inbox = new Inbox();
    bus.subscribe(shop.pattern({ entity: 'order' }), inbox.push);
    await bus.publish(shop.subject('order', 'created'), 1);
    await bus.publish(shop.subject('cart', 'created'), 2);
    await bus.publish(shop.subject('order', 'paid'), 3);
    expect(inbox.payloads).toEqual([1, 3]);
  });
});

describe('withCodec', () => {
  interface Order { id: string; total: number }

  it('encodes on publish and decodes for handlers, with the wire value on the transport', async () => {
    const bus = createMemoryBus();
    const orders = withCodec(bus, jsonCodec<Order>());
    const wire: unknown[] = [];
    bus.subscribe('orders', (m) => void wire.push(m.payload));
    const inbox = new Inbox<Order>();
    orders.subscribe('orders', inbox.push);
    await orders.publish('orders', { id: 'o1', total: 5 }, { id: 'm1' });
    await inbox.waitFor(1);
    expect(inbox.payloads).toEqual([{ id: 'o1', total: 5 }]);
    expect(inbox.messages[0]?.id).toBe('m1');
    expect(wire[0]).toBeInstanceOf(Uint8Array);
  });

  it('refuses to publish what the codec cannot encode, sending nothing', async () => {
    const bus = createMemoryBus();
    const seen: unknown[] = [];
    bus.subscribe('>', (m) => void seen.push(m));
    await expect(withCodec(bus, textCodec()).publish('t', 42 as never)).rejects.toMatchObject({ code: 'not_serializable' });
    expect(seen).toEqual([]);
  });

  it('terms and reports a message it cannot decode; the handler never sees it', async () => {
    const bus = createMemoryBus();
    const errors: unknown[] = [];
    const inbox = new Inbox();
    withCodec(bus, jsonCodec()).subscribe('in', inbox.push, { onError: (e) => errors.push(e) });
    await bus.publish('in', new TextEncoder().encode('{not json'));
    await bus.publish('in', new TextEncoder().encode('{"ok":true}'));
    await inbox.waitFor(1);
    expect(inbox.payloads).toEqual([{ ok: true }]);
    expect(errors).toEqual([expect.objectContaining({ code: 'decode_failed', subject: 'in' })]);
  });

  it('decodes for subscriptions without a handler too, with backpressure', async () => {
    const bus = createMemoryBus();
    const texts = withCodec(bus, textCodec());
    const sub = texts.subscribe('t', { bufferSize: 1 });
    let accepted = 0;
    const producer = (async () => {
      for (const word of ['a', 'b', 'c', 'd', 'e']) {
        await texts.publish('t', word);
        accepted++;
      }
    })();
    await until(() => sub.stats.pending === 2, { what: '1 buffered + 1 parked publish' });
    expect(accepted).toBeLessThan(5);
    const got: string[] = [];
    for await (const m of sub) {
      got.push(m.payload);
      if (got.length === 5) break;
    }
    await producer;
    expect(got).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(sub.isClosed).toBe(true);
    await until(() => bus.stats.subscriptions === 0, { what: 'the inner subscription closed' });
  });

  it('rejects a bad endpoint or codec with invalid_argument', () => {
    expect(() => withCodec({} as never, jsonCodec())).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => withCodec(createMemoryBus(), {} as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});

describe('bindTopic', () => {
  it('publishes and subscribes on its one subject', async () => {
    const bus = createMemoryBus();
    const created = bindTopic(bus, 'shop.order.created');
    const inbox = new Inbox();
    created.subscribe(inbox.push);
    await created.publish({ id: 'o1' });
    await bus.publish('shop.order.paid', { id: 'o1', amount: 3 });
    await created.publish({ id: 'end' }); // barrier: the bus delivers in publish order
    await inbox.waitFor(2);
    expect(inbox.payloads).toEqual([{ id: 'o1' }, { id: 'end' }]);
    expect(created.subject).toBe('shop.order.created');
  });

  it('with a schema: publish refuses invalid payloads, subscribers term and report them', async () => {
    const bus = createMemoryBus();
    const paid = bindTopic(bus, 'shop.order.paid', { schema: z.object({ id: z.string(), amount: z.number().positive() }) });
    const errors: unknown[] = [];
    const inbox = new Inbox();
    paid.subscribe((m: Message<{ id: string; amount: number }>) => inbox.push(m), { onError: (e) => errors.push(e) });
    await expect(paid.publish({ id: 'o1', amount: -1 })).rejects.toMatchObject({ code: 'invalid_payload' });
    await bus.publish('shop.order.paid', { id: 'o2' }); // an older publisher, bypassing the topic
    await paid.publish({ id: 'o3', amount: 9 });
    await inbox.waitFor(1);
    expect(inbox.payloads).toEqual([{ id: 'o3', amount: 9 }]);
    expect(errors).toEqual([expect.objectContaining({ code: 'invalid_payload' })]);
  });

  it('rejects a wildcard subject and a bad endpoint', () => {
    expect(() => bindTopic(createMemoryBus(), 'shop.*.created')).toThrow(expect.objectContaining({ code: 'invalid_subject' }));
    expect(() => bindTopic({} as never, 'a')).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});
