/**
 * The Service Worker relay's wake-up, run by hand (in every runtime; the real worker, its `sync` event and
 * the tabs' lock are in test/e2e/outbox-sw.spec.ts): it drains the store and resolves `drained`, reports a
 * target it cannot reach or a budget it overran as `failed` with the error (so a sync event rejects and the
 * browser retries), joins a wake-up already running, and stands aside while another context holds the lock.
 */
import { describe, expect, it } from 'vitest';
import { createOutbox, memoryStore, registerBackgroundSync, serviceWorkerRelay, type RelayRunOutcome } from '../../src/outbox/index.js';
import { ScriptedTarget } from './outbox-fixtures.js';

let locks = 0;
const lockName = (): string => `outbox-sw-relay-test-${Date.now().toString(36)}-${locks++}`;

async function storeWith(count: number) {
  const store = memoryStore();
  await store.append(
    Array.from({ length: count }, (_, i) => ({ id: `m${i}`, subject: `s.${i % 3}`, key: `s.${i % 3}`, payload: i, headers: {}, enqueuedAt: 1 })),
  );
  return store;
}

describe('serviceWorkerRelay: one wake-up', () => {
  it('delivers everything, in order per key, and resolves drained; the connection is closed after', async () => {
    const store = await storeWith(30);
    const target = new ScriptedTarget();
    let closed = 0;
    const outcomes: RelayRunOutcome[] = [];
    const run = serviceWorkerRelay({
      store,
      lockName: lockName(),
      connect: async () => ({ publisher: target, close: async () => void closed++ }),
      onRun: (o) => void outcomes.push(o),
    });
    // (where the runtime has worker-like events, creating it also started a wake-up: these join it)
    const [a, b] = await Promise.all([run('sync'), run('online')]);
    expect(a).toBe(b); // the second joined the first
    expect(a).toMatchObject({ result: 'drained', counters: { delivered: 30 } });
    expect((await store.stats()).depth).toBe(0);
    for (const key of ['s.0', 's.1', 's.2']) {
      expect(target.acked.filter((c) => c.subject === key).map((c) => c.payload)).toEqual([...Array(30).keys()].filter((i) => `s.${i % 3}` === key));
    }
    expect(new Set(target.acked.map((c) => c.id)).size).toBe(30);
    expect(closed).toBeGreaterThanOrEqual(1);
    expect(outcomes.length).toBe(closed); // one report per wake-up, not per caller
    expect(await run('sync')).toMatchObject({ result: 'drained' }); // nothing left: no connection needed
    expect(closed).toBe(outcomes.length - 1);
  });

  it('a target it cannot reach, or a budget overrun, is failed with the error and keeps the entries', async () => {
    const store = await storeWith(3);
    const unreachable = await serviceWorkerRelay({ store, lockName: lockName(), connect: () => Promise.reject(new Error('broker down')) })('sync');
    expect(unreachable).toMatchObject({ result: 'failed' });
    expect((unreachable.error as Error).message).toBe('broker down');
    const failing = new ScriptedTarget(() => {
      throw new Error('503 try later');
    });
    const slow = await serviceWorkerRelay({
      store,
      lockName: lockName(),
      budgetMs: 300,
      relay: { backoff: () => 50 },
      connect: async () => ({ publisher: failing, close: async () => undefined }),
    })('sync');
    expect(slow).toMatchObject({ result: 'failed' });
    expect((slow.error as { message: string }).message).toBe('503 try later');
    expect((await store.stats()).depth).toBe(3);
  });

  it('stands aside (busy) while another context holds the relay lock, where there are Web Locks', async () => {
    const locksApi = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    if (locksApi === undefined) return; // Node, Deno, workerd: one relay per process is the caller's job
    const name = lockName();
    const store = await storeWith(2);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken!: () => void;
    const holding = new Promise<void>((resolve) => (taken = resolve));
    const holder = locksApi.request(name, () => (taken(), held));
    await holding;
    const target = new ScriptedTarget();
    const run = serviceWorkerRelay({ store, lockName: name, connect: async () => ({ publisher: target, close: async () => undefined }) });
    expect(await run('sync')).toMatchObject({ result: 'busy' });
    expect(target.calls).toEqual([]);
    release();
    await holder; // the lock is free
    expect(await run('sync')).toMatchObject({ result: 'drained' });
  });

  it('backgroundSync on an outbox without a Service Worker: publishing works, no sync is registered', async () => {
    expect(await registerBackgroundSync()).toBe(false); // no worker registered for this page or runtime
    const outbox = createOutbox({ store: memoryStore(), backgroundSync: true });
    await outbox.publish('a.b', 1);
    await outbox.publish('a.b', 2);
    expect((await outbox.refreshStatus()).depth).toBe(2);
    await outbox.close();
  });
});
