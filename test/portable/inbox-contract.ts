/**
 * What every InboxStore must do, run against each implementation (memory here and in Deno/workerd; IndexedDB
 * in Chromium), and the inbox's handler wrapper over it.
 */
import { describe, expect, it } from 'vitest';
import { createMessage, type Acker, type Message } from '../../src/index.js';
import { createInbox, type InboxStore } from '../../src/inbox/index.js';

/** A message with id `id` whose acks are counted in `acks`. */
export function messageWithId(id: string, acks: string[], attempt = 1): Message<{ id: string }> {
  const acker: Acker = {
    ack: async () => void acks.push(id),
    nak: async () => undefined,
    term: async () => undefined,
    inProgress: async () => undefined,
  };
  return createMessage({ subject: 'orders.created', payload: { id }, id, acker, delivery: { attempt } });
}

export function describeInboxStore(name: string, make: () => InboxStore | Promise<InboxStore>): void {
  describe(`InboxStore contract: ${name}`, () => {
    it('has what was added; add again moves the time', async () => {
      const store = await make();
      expect(await store.has('a')).toBe(false);
      await store.add('a', 10);
      await store.add('b', 20);
      expect([await store.has('a'), await store.has('b'), await store.size()]).toEqual([true, true, 2]);
      await store.add('a', 30);
      expect(await store.prune(25, 10)).toBe(1); // b (20) expired; a moved to 30
      expect([await store.has('a'), await store.has('b')]).toEqual([true, false]);
      store.close();
    });

    it('prune removes the expired, then the oldest past maxEntries', async () => {
      const store = await make();
      for (let i = 0; i < 10; i++) await store.add(`m${i}`, 100 + i);
      expect(await store.prune(103, 4)).toBe(6); // m0..m2 expired, then m3..m5 over the size
      expect(await store.size()).toBe(4);
      for (let i = 0; i < 10; i++) expect(await store.has(`m${i}`)).toBe(i >= 6);
      store.close();
    });
  });

  describe(`inbox over ${name}`, () => {
    it('handles an id once: a redelivery is acked and skipped, another id is handled', async () => {
      const handled: string[] = [];
      const acks: string[] = [];
      const duplicates: string[] = [];
      const inbox = createInbox({ store: await make(), onDuplicate: (m) => void duplicates.push(m.id) });
      const handler = inbox.handle<{ id: string }>((m) => void handled.push(m.payload.id));
      await handler(messageWithId('x', acks));
      await handler(messageWithId('x', acks, 2));
      await handler(messageWithId('y', acks));
      expect({ handled, acks, duplicates, stats: inbox.stats }).toEqual({
        handled: ['x', 'y'],
        acks: ['x'],
        duplicates: ['x'],
        stats: { handled: 2, skipped: 1, pruned: 0 },
      });
      expect(await inbox.processed('x')).toBe(true);
      inbox.store.close();
    });

    it('a failed handler records nothing: the redelivery is handled', async () => {
      let calls = 0;
      const inbox = createInbox({ store: await make() });
      const handler = inbox.handle(() => {
        if (++calls === 1) throw new Error('first attempt fails');
      });
      await expect(handler(messageWithId('f', []))).rejects.toThrow('first attempt fails');
      expect(await inbox.processed('f')).toBe(false);
      await handler(messageWithId('f', [], 2));
      expect([calls, await inbox.processed('f')]).toEqual([2, true]);
      inbox.store.close();
    });

    it('two copies at once in one context: the second waits for the first and is skipped', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const handled: number[] = [];
      const inbox = createInbox({ store: await make() });
      const handler = inbox.handle<{ id: string }>(async (m) => {
        handled.push(m.delivery.attempt);
        await gate;
      });
      const both = Promise.all([handler(messageWithId('c', [])), handler(messageWithId('c', [], 2))]);
      release();
      await both;
      expect([handled, inbox.stats.skipped]).toEqual([[1], 1]);
      inbox.store.close();
    });

    it('forgets ids after ttlMs and keeps at most maxEntries (pruned every pruneEvery)', async () => {
      let now = 1_000;
      const inbox = createInbox({ store: await make(), ttlMs: 100, maxEntries: 3, pruneEvery: 1000, now: () => now });
      const handler = inbox.handle(() => undefined);
      for (let i = 0; i < 5; i++) await handler(messageWithId(`t${i}`, []));
      expect(await inbox.prune()).toBe(2); // size bound
      expect(await inbox.store.size()).toBe(3);
      now += 101;
      expect(await inbox.prune()).toBe(3); // all expired
      let handled = 0;
      await inbox.handle(() => void handled++)(messageWithId('t4', []));
      expect([handled, inbox.stats.pruned]).toEqual([1, 5]);
      inbox.store.close();
    });

    it('the middleware form skips duplicates too; commitIn needs an IndexedDB store of the app', async () => {
      const store = await make();
      const inbox = createInbox({ store });
      let count = 0;
      const handler = inbox.middleware()(() => void count++);
      await handler(messageWithId('m', []));
      await handler(messageWithId('m', []));
      expect(count).toBe(1);
      if (!('commitIn' in store)) {
        const failing = inbox.handle((_m, ctx) => ctx.commitIn({} as IDBTransaction));
        await expect(failing(messageWithId('n', []))).rejects.toMatchObject({ code: 'invalid_argument' });
      }
      store.close();
    });
  });
}
