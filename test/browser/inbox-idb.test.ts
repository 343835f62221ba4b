/**
 * The inbox on real IndexedDB in Chromium: the store contract, and the app's own transaction committing its
 * data and the message id together (abort: neither; two tabs' transactions racing for one id: one wins).
 */
import { describe, expect, it } from 'vitest';
import { INBOX_STORE, createInbox, createInboxObjectStore, idbInboxStore } from '../../src/inbox/index.js';
import { describeInboxStore, messageWithId } from '../portable/inbox-contract.js';

let databases = 0;
const fresh = (): string => `inbox-test-${Date.now().toString(36)}-${databases++}`;

describeInboxStore('idbInboxStore (own database)', () => idbInboxStore({ database: fresh() }));

/** An app database with its own `orders` store and the inbox's. */
function openApp(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('orders', { keyPath: 'id' });
      createInboxObjectStore(request.result);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

const done = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => ((request.onsuccess = () => resolve(request.result)), (request.onerror = () => reject(request.error))));
const complete = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => ((tx.oncomplete = () => resolve()), (tx.onabort = () => reject(tx.error ?? new Error('aborted')))));

describeInboxStore('idbInboxStore (the app database)', async () => idbInboxStore({ db: await openApp(fresh()) }));

describe('inbox: the id commits in the app’s own transaction', () => {
  it('data and id together; a redelivery is skipped; an aborted transaction leaves neither', async () => {
    const db = await openApp(fresh());
    const inbox = createInbox({ store: idbInboxStore({ db }) });
    let abortNext = false;
    const handler = inbox.handle<{ id: string }>(async (message, ctx) => {
      const tx = db.transaction(['orders', INBOX_STORE], 'readwrite');
      const finished = complete(tx);
      if (!(await ctx.commitIn(tx))) return finished;
      tx.objectStore('orders').put({
        id: message.payload.id,
        applied: (((await done(tx.objectStore('orders').get(message.payload.id))) as { applied: number } | undefined)?.applied ?? 0) + 1,
      });
      if (abortNext) tx.abort();
      return finished;
    });
    await handler(messageWithId('o1', []));
    await handler(messageWithId('o1', [], 2));
    abortNext = true;
    await expect(handler(messageWithId('o2', []))).rejects.toThrow();
    abortNext = false;
    const orders = () => done(db.transaction('orders').objectStore('orders').getAll());
    expect([await orders(), await inbox.processed('o2')]).toEqual([[{ id: 'o1', applied: 1 }], false]);
    await handler(messageWithId('o2', [], 2));
    expect(await orders()).toEqual([
      { id: 'o1', applied: 1 },
      { id: 'o2', applied: 1 },
    ]);
    expect(inbox.stats).toMatchObject({ handled: 2, skipped: 1 });
    db.close();
  });

  it('two connections (as two tabs) racing for one id: exactly one transaction records it', async () => {
    const name = fresh();
    const [a, b] = await Promise.all([openApp(name), openApp(name)]);
    const claim = async (db: IDBDatabase): Promise<boolean> => {
      const tx = db.transaction(['orders', INBOX_STORE], 'readwrite');
      const finished = complete(tx);
      const fresh = await idbInboxStore({ db }).commitIn(tx, 'race');
      if (fresh) tx.objectStore('orders').put({ id: 'race', by: db === a ? 'a' : 'b' });
      await finished;
      return fresh;
    };
    const results = await Promise.all([claim(a), claim(b)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await done(a.transaction('orders').objectStore('orders').count())).toBe(1);
    a.close();
    b.close();
  });

  it('refuses an app database without the inbox store', async () => {
    const db = await new Promise<IDBDatabase>((resolve) => {
      const request = indexedDB.open(fresh(), 1);
      request.onsuccess = () => resolve(request.result);
    });
    expect(() => idbInboxStore({ db })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    db.close();
  });
});
