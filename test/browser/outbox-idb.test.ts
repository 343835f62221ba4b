/**
 * The store contract and the whole outbox suite against real IndexedDB in Chromium, plus what only a browser
 * has: a real quota error, another context's appends heard through BroadcastChannel, Web Locks election.
 */
import { describe, expect, it } from 'vitest';
import { createOutbox, idbStore, memoryStore, requestPersistentStorage } from '../../src/outbox/index.js';
import { describeOutbox } from '../portable/outbox-suite.js';
import { describeOutboxStore } from '../portable/outbox-store-contract.js';
import { ScriptedTarget, deferred } from '../portable/outbox-fixtures.js';

let databases = 0;
const fresh = (): string => `outbox-test-${Date.now().toString(36)}-${databases++}`;

describeOutboxStore('idbStore', () => idbStore({ database: fresh() }));
describeOutbox('idbStore', () => idbStore({ database: fresh() }));

/** Everything the store's object store holds, read raw: chunk entries (left ones too), tombstones, the reserve. */
async function raw(database: string): Promise<{ chunkEntries: number; tombstones: number; reserve: boolean }> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(database);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const os = db.transaction('outbox').objectStore('outbox');
  const read = <T>(request: IDBRequest<T>): Promise<T> => new Promise((resolve) => (request.onsuccess = () => resolve(request.result)));
  const [chunks, tombstones, reserve] = await Promise.all([
    read(os.getAll(IDBKeyRange.bound(-Infinity, Infinity))),
    read(os.count(IDBKeyRange.bound(['t', -Infinity], ['t', Infinity]))),
    read(os.getKey('reserve')),
  ]);
  db.close();
  return { chunkEntries: chunks.reduce((n: number, c) => n + (c as unknown[]).length, 0), tombstones, reserve: reserve !== undefined };
}

describe('outbox in the browser', () => {
  it('removes by tombstone and deletes a chunk whole once every entry left it: a removal never rewrites entries', async () => {
    const database = fresh();
    const store = idbStore({ database });
    const entries = (await store.append(Array.from({ length: 8 }, (_, i) => ({ id: `t${i}`, subject: 's', key: 's', payload: i, headers: {}, enqueuedAt: 1 })))) as Array<{ seq: number }>;
    expect(await raw(database)).toEqual({ chunkEntries: 8, tombstones: 0, reserve: true });
    await store.remove(entries.slice(0, 3).map((e) => e.seq));
    expect(await raw(database)).toEqual({ chunkEntries: 8, tombstones: 1, reserve: true });
    expect((await store.read({ limit: 10 })).map((e) => e.payload)).toEqual([3, 4, 5, 6, 7]);
    expect(await store.stats()).toMatchObject({ depth: 5, oldestEnqueuedAt: 1 });
    await store.remove(entries.slice(3).map((e) => e.seq));
    expect(await raw(database)).toEqual({ chunkEntries: 0, tombstones: 0, reserve: true });
    expect((await store.stats()).depth).toBe(0);
    store.close();
  });

  it('says in status whether the origin has persistent storage, and asks for it', async () => {
    const box = createOutbox({ store: idbStore({ database: fresh() }) });
    expect((await box.refreshStatus()).storagePersisted).toBe(await navigator.storage.persisted());
    const granted = await requestPersistentStorage();
    expect(typeof granted).toBe('boolean');
    expect(await box.requestPersistence()).toBe(await navigator.storage.persisted());
    expect(box.status.storagePersisted).toBe(await navigator.storage.persisted());
    await box.close();
    const memory = createOutbox({ store: memoryStore() });
    expect((await memory.refreshStatus()).storagePersisted).toBeUndefined();
    await memory.close();
  });

  it('is the default store: IndexedDB, one database of its own', async () => {
    const box = createOutbox();
    expect(box.store.name).toBe('idb:isoflux-outbox');
    await box.close();
  });

  it('hears appends made through another connection to the same database (another tab)', async () => {
    const database = fresh();
    const target = new ScriptedTarget();
    const relay = createOutbox({ store: idbStore({ database }), target, relay: { pollIntervalMs: 60_000 } });
    const otherTab = createOutbox({ store: idbStore({ database }) });
    await otherTab.publish('from.other', 1);
    await target.until(() => target.acked.length === 1, 2000);
    await Promise.all([relay.close(), otherTab.close()]);
  });

  it('elects one relay per store through Web Locks; the next one takes over when it closes', async () => {
    const database = fresh();
    const gate = deferred();
    const first = new ScriptedTarget(() => gate.promise);
    const second = new ScriptedTarget();
    const a = createOutbox({ store: idbStore({ database }), target: first });
    await a.publish('elect', 1);
    await first.until(() => first.calls.length === 1);
    const b = createOutbox({ store: idbStore({ database }), target: second });
    await b.publish('elect', 2);
    expect((await b.refreshStatus()).relay).toBe('standby');
    expect(second.calls).toEqual([]);
    gate.resolve();
    await first.until(() => first.acked.length === 2);
    const closing = a.close();
    await b.publish('elect', 3);
    await closing;
    await second.until(() => second.acked.length === 1);
    expect(second.acked.map((c) => c.payload)).toEqual([3]);
    expect((await b.refreshStatus()).relay).toBe('relaying');
    await b.close();
  });
});
