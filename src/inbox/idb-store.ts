/**
 * An inbox store in IndexedDB, shared by the origin's tabs and workers, which an app can write in the same
 * transaction as its own data.
 * @module
 */
import { InvalidArgumentError, UnsupportedError } from '../core/errors.js';
import type { InboxStore } from './store.js';

/** The default name of the inbox's object store (and of its own database). */
export const INBOX_STORE = 'isoflux-inbox';
const BY_TIME = 'at';

/** Options of {@link idbInboxStore}. */
export interface IdbInboxStoreOptions {
  /**
   * The app's own open database, whose upgrade made the inbox's object store with
   * {@link createInboxObjectStore}: then the app can record an id in its own transactions
   * ({@link IdbInboxStore.commitIn}). Not closed by `close()`.
   */
  db?: IDBDatabase;
  /** Without `db`: a database of the inbox's own, opened (and made) by name (default `isoflux-inbox`). */
  database?: string;
  /** The object store's name (default `isoflux-inbox`). */
  storeName?: string;
}

/** An {@link InboxStore} in IndexedDB. */
export interface IdbInboxStore extends InboxStore {
  /** The object store the ids live in: include it in a transaction that calls {@link commitIn}. */
  readonly storeName: string;
  /**
   * Records `id` inside `tx`, a `readwrite` transaction of the app's database whose scope includes
   * {@link storeName}; resolves true when `id` was not recorded yet, false when it was (another tab handled
   * it first: write nothing, or abort `tx`). The id commits or aborts with the app's own writes: a crash
   * before the commit leaves neither, so the redelivery is handled; after it, both, so it is skipped.
   */
  commitIn(tx: IDBTransaction, id: string, at?: number): Promise<boolean>;
}

/**
 * Makes the inbox's object store (keyed by id, indexed by time) in `db`; call it from the app's
 * `onupgradeneeded`. Does nothing when it exists.
 */
export function createInboxObjectStore(db: IDBDatabase, storeName: string = INBOX_STORE): void {
  if (db.objectStoreNames.contains(storeName)) return;
  db.createObjectStore(storeName, { keyPath: 'id' }).createIndex(BY_TIME, BY_TIME);
}

/** Settles with an IndexedDB request. */
function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Resolves when `tx` completed; rejects when it failed or aborted. */
function completed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** Deletes every record `cursor` walks to, up to `limit`; resolves with how many. */
function deleteAll(request: IDBRequest<IDBCursorWithValue | null>, limit = Infinity): Promise<number> {
  let removed = 0;
  return new Promise((resolve, reject) => {
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const cursor = request.result;
      if (cursor === null || removed >= limit) return resolve(removed);
      cursor.delete();
      removed++;
      cursor.continue();
    };
  });
}

async function openOwn(database: string, storeName: string): Promise<IDBDatabase> {
  const request = indexedDB.open(database, 1);
  request.onupgradeneeded = () => createInboxObjectStore(request.result, storeName);
  return done(request);
}

/**
 * Processed ids in IndexedDB: in the app's database (`db`, the way to commit an id with the app's writes)
 * or in one of its own (`database`). Every tab and worker of the origin shares them. Throws `unsupported`
 * where there is no IndexedDB (use {@link memoryInboxStore} or a store of your own).
 */
export function idbInboxStore(options: IdbInboxStoreOptions = {}): IdbInboxStore {
  if (typeof indexedDB === 'undefined')
    throw new UnsupportedError('IndexedDB is not available in this runtime: pass `store: memoryInboxStore()` or your own InboxStore.');
  const storeName = options.storeName ?? INBOX_STORE;
  const own = options.db === undefined;
  const opening = options.db !== undefined ? Promise.resolve(options.db) : openOwn(options.database ?? INBOX_STORE, storeName);
  opening.catch(() => undefined);
  if (options.db !== undefined && !options.db.objectStoreNames.contains(storeName)) {
    throw new InvalidArgumentError(
      `database ${JSON.stringify(options.db.name)} has no object store ${JSON.stringify(storeName)}: call createInboxObjectStore(db) in its onupgradeneeded`,
    );
  }
  const run = async <T>(mode: IDBTransactionMode, body: (os: IDBObjectStore) => Promise<T>): Promise<T> => {
    const tx = (await opening).transaction(storeName, mode);
    const finished = completed(tx);
    finished.catch(() => undefined);
    const result = await body(tx.objectStore(storeName));
    await finished;
    return result;
  };
  return {
    name: `idb:${options.db?.name ?? options.database ?? INBOX_STORE}/${storeName}`,
    storeName,
    has: (id) => run('readonly', async (os) => (await done(os.getKey(id))) !== undefined),
    add: (id, at) => run('readwrite', async (os) => void (await done(os.put({ id, at })))),
    async commitIn(tx, id, at = Date.now()) {
      const os = tx.objectStore(storeName);
      if ((await done(os.getKey(id))) !== undefined) return false;
      await done(os.put({ id, at }));
      return true;
    },
    prune: (before, maxEntries) =>
      run('readwrite', async (os) => {
        const index = os.index(BY_TIME);
        const expired = await deleteAll(index.openCursor(IDBKeyRange.upperBound(before, true)));
        const over = (await done(os.count())) - maxEntries;
        return expired + (over > 0 ? await deleteAll(index.openCursor(), over) : 0);
      }),
    size: () => run('readonly', (os) => done(os.count())),
    close() {
      if (own)
        void opening.then(
          (db) => db.close(),
          () => undefined,
        );
    },
  };
}
