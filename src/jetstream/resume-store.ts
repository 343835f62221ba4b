/**
 * Where a resumable JetStream subscription keeps the last stream sequence it processed: IndexedDB in
 * browsers (survives reloads and crashes), memory for tests, or any store with the two methods.
 * @module
 */
import { IsofluxError } from '../core/errors.js';

/** Keeps one stream sequence per key. Writes may be coalesced by the caller; each must be durable once it resolves. */
export interface ResumeStore {
  /** The sequence saved under `key`, or undefined when none was. */
  load(key: string): Promise<number | undefined>;
  /** Saves `sequence` under `key`. */
  save(key: string, sequence: number): Promise<void>;
}

/** A store in memory: for tests, and for runtimes without IndexedDB when losing the position on restart is fine. */
export function memoryResumeStore(): ResumeStore {
  const positions = new Map<string, number>();
  return {
    load: (key) => Promise.resolve(positions.get(key)),
    save: (key, sequence) => Promise.resolve(void positions.set(key, sequence)),
  };
}

/** Options of {@link indexedDbResumeStore}. */
export interface IndexedDbResumeStoreOptions {
  /** Database name (default `isoflux-resume`). */
  database?: string;
}

const STORE = 'positions';

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * A store in IndexedDB (browsers, their workers): one small record per key, written in its own
 * transaction that resolves once committed. Fails with `unsupported` where there is no IndexedDB.
 */
export function indexedDbResumeStore(options: IndexedDbResumeStoreOptions = {}): ResumeStore {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (idb === undefined) throw new IsofluxError('unsupported', 'indexedDbResumeStore: this runtime has no IndexedDB; pass another ResumeStore (memoryResumeStore, or one of your own).');
  let opened: Promise<IDBDatabase> | undefined;
  const db = (): Promise<IDBDatabase> => {
    if (opened !== undefined) return opened;
    const request = idb.open(options.database ?? 'isoflux-resume', 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    opened = promised(request).then((database) => {
      // another tab upgrading the database: let it, and open again on the next call
      database.onversionchange = () => {
        database.close();
        opened = undefined;
      };
      return database;
    });
    opened.catch(() => (opened = undefined));
    return opened;
  };
  return {
    async load(key) {
      const value: unknown = await promised((await db()).transaction(STORE, 'readonly').objectStore(STORE).get(key));
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
    },
    async save(key, sequence) {
      const tx = (await db()).transaction(STORE, 'readwrite', { durability: 'strict' });
      tx.objectStore(STORE).put(sequence, key);
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = tx.onabort = () => reject(tx.error);
      });
    },
  };
}
