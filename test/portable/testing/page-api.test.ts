/**
 * The page side of isoflux/playwright without a browser: exposeBuses installs the window API, records
 * each bus (its wiretap, or a `>` subscription for a bus without one), publishes into it, long-polls its
 * events, and reads an outbox's status.
 */
import { describe, expect, it } from 'vitest';
import { createFakeNatsServer, createFakeOutbox } from '../../../src/testing/index.js';
import { exposeBuses, PAGE_API_KEY, type PageApi } from '../../../src/testing/page/index.js';
import { createMemoryBus } from '../../../src/memory/index.js';

const api = (): PageApi => (globalThis as unknown as Record<string, PageApi>)[PAGE_API_KEY] as PageApi;

describe('exposeBuses', () => {
  it('lists the buses and how each is observed; the returned function removes them', async () => {
    await using server = createFakeNatsServer();
    const { outbox } = createFakeOutbox();
    const remove = exposeBuses({ nats: server.connect(), outbox, plain: {} });
    expect(api().buses()).toEqual([
      { name: 'nats', observed: 'tap', canPublish: true, hasOutboxStatus: false },
      { name: 'outbox', observed: expect.any(String), canPublish: true, hasOutboxStatus: true },
      { name: 'plain', observed: 'none', canPublish: false, hasOutboxStatus: false },
    ]);
    remove();
    expect(api().buses()).toEqual([]);
    await outbox.close();
  });

  it('publishes into a bus, and returns its events from a position, waiting for the first one to come', async () => {
    await using server = createFakeNatsServer();
    const bus = server.connect();
    const remove = exposeBuses({ orders: bus });
    bus.subscribe('orders.*', () => undefined);
    await api().publish('orders', 'orders.created', { id: 'o-1' }, { id: 'o-1' });
    const first = await api().events('orders', 0, 0);
    expect(first.events.map((e) => [e.seq, e.kind, e.subject, e.id])).toEqual([
      // delivered in-process before the publish settled (see recorder.test.ts)
      [0, 'delivered', 'orders.created', 'o-1'],
      [1, 'published', 'orders.created', 'o-1'],
    ]);
    expect(first.next).toBe(2);
    const waiting = api().events('orders', first.next, 5000);
    await bus.publish('orders.shipped', { id: 'o-1' });
    expect((await waiting).events.map((e) => e.seq)).toEqual([2, 3]);
    expect((await api().events('orders', 4, 1)).events).toEqual([]);
    remove();
  });

  it('a bus without a wiretap is recorded through a ">" subscription (what it delivers)', async () => {
    const bus = createMemoryBus();
    const plain = { publish: bus.publish.bind(bus), subscribe: bus.subscribe.bind(bus) };
    const remove = exposeBuses({ plain });
    await bus.publish('a.b', 1);
    expect((await api().events('plain', 0, 0)).events.map((e) => [e.kind, e.subject, e.payload])).toEqual([['delivered', 'a.b', 1]]);
    remove();
    await bus.close();
  });

  it('errors say which buses exist; the outbox status is the refreshed one', async () => {
    const { outbox } = createFakeOutbox();
    const remove = exposeBuses({ outbox });
    await expect(api().publish('nope', 'x', 1)).rejects.toThrow('no bus "nope" exposed on this page (exposed: outbox)');
    await outbox.publish('x.y', 1);
    await outbox.drained();
    expect(await api().outboxStatus('outbox')).toMatchObject({ depth: 0 });
    remove();
    await outbox.close();
  });
});
