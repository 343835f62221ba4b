/**
 * The default outbox store: IndexedDB through idb-keyval, shared by every tab and worker of an origin.
 * @module
 */
import { createStore, type UseStore } from 'idb-keyval';
import { IsofluxError, StorageQuotaError, UnsupportedError } from '../core/errors.js';
import { DEPTH, NEXT_SEQ, deadRange, editEntries, liveRange, putChunks, readNumbers, scanEntries } from './idb-chunks.js';
import type { DeadLetter, OutboxRecord, OutboxStore, OutboxStoreStats, ReadQuery, StoredEntry } from './store.js';

/** Options of {@link idbStore}. */
export interface IdbStoreOptions {
  /** IndexedDB database name (default `isoflux-outbox`). Use one name per outbox: the store owns the whole database. */
  database?: string;
}

const OBJECT_STORE = 'outbox';

/**
 * An outbox store in IndexedDB (database `isoflux-outbox` unless named), opened with idb-keyval's
 * `createStore` on a database of its own — idb-keyval can hold only one object store per database, so never
 * point another idb-keyval store at the same name.
 *
 * Guarantees: a write resolves when its IndexedDB transaction completed, with the browser's default
 * durability (Chromium: the data reached the operating system — it survives a reload, a tab or browser
 * crash, not necessarily a power cut). Every tab of the origin sees the same entries; `watch` hears other
 * tabs' appends through a BroadcastChannel. A full quota rejects the whole write with `storage_quota` and
 * leaves earlier entries intact. Throws `unsupported` where there is no `indexedDB` (Node, Deno, workerd):
 * use `memoryStore()` or a store of your own there.
 */
export function idbStore(options: IdbStoreOptions = {}): OutboxStore {
  if (typeof indexedDB === 'undefined') {
    throw new UnsupportedError('IndexedDB is not available in this runtime (Node, Deno and workerd have none): pass `store: memoryStore()` or your own OutboxStore.');
  }
  return new IdbStore(options.database ?? 'isoflux-outbox');
}

/** Runs inside a transaction; returns a reader of the result, called once the transaction completed. */
type TxBody<T> = (os: IDBObjectStore, fail: (error: unknown) => void) => () => T;

class IdbStore implements OutboxStore {
  readonly name: string;
  readonly #use: UseStore;
  readonly #listeners = new Set<() => void>();
  #channel: BroadcastChannel | undefined;

  constructor(database: string) {
    this.name = `idb:${database}`;
    this.#use = createStore(database, OBJECT_STORE);
  }

  async append(records: readonly OutboxRecord[]): Promise<Array<StoredEntry | IsofluxError>> {
    const stored = await this.#tx('readwrite', (os, fail) => {
      const results = new Array<StoredEntry | IsofluxError>(records.length);
      readNumbers(os, [NEXT_SEQ, DEPTH] as const, ([next, depth]) => {
        try {
          let seq = Math.max(1, next);
          const entries = records.map((record): StoredEntry => ({ ...record, seq: seq++, attempts: 0 }));
          const errors = putChunks(os, entries);
          let added = 0;
          entries.forEach((entry, i) => {
            const error = errors[i];
            results[i] = error ?? entry;
            if (!error) added++;
          });
          os.put(seq, NEXT_SEQ);
          os.put(depth + added, DEPTH);
        } catch (error) {
          fail(error);
        }
      });
      return () => results;
    });
    if (stored.some((s) => !(s instanceof IsofluxError))) this.#announce();
    return stored;
  }

  read(query: ReadQuery): Promise<StoredEntry[]> {
    if (!(query.limit > 0)) return Promise.resolve([]);
    return this.#tx('readonly', (os) => {
      const out: StoredEntry[] = [];
      scanEntries(
        os,
        query.after ?? -Infinity,
        (entry) => {
          if (query.key === undefined || entry.key === query.key) out.push(entry);
          return out.length < query.limit;
        },
        () => undefined,
      );
      return () => out;
    });
  }

  update(entries: readonly StoredEntry[]): Promise<void> {
    const bySeq = new Map(entries.map((e) => [e.seq, e]));
    return this.#tx('readwrite', (os) => {
      editEntries(os, [...bySeq.keys()], (entry) => bySeq.get(entry.seq) ?? entry, () => undefined);
      return () => undefined;
    });
  }

  remove(seqs: readonly number[]): Promise<void> {
    return this.#tx('readwrite', (os) => {
      this.#drop(os, seqs);
      return () => undefined;
    });
  }

  deadLetter(letters: readonly DeadLetter[]): Promise<void> {
    return this.#tx('readwrite', (os) => {
      this.#drop(os, letters.map((l) => l.seq));
      for (const letter of letters) os.put(letter, [letter.seq]);
      return () => undefined;
    });
  }

  listDeadLetters(limit?: number): Promise<DeadLetter[]> {
    return this.#tx('readonly', (os) => {
      const all = os.getAll(deadRange(), limit);
      return () => all.result as DeadLetter[];
    });
  }

  async retryDeadLetters(seqs?: readonly number[]): Promise<number> {
    const moved = await this.#tx('readwrite', (os, fail) => {
      let count = 0;
      const dead = os.getAll(deadRange());
      readNumbers(os, [NEXT_SEQ, DEPTH] as const, ([next, depth]) => {
        try {
          let seq = Math.max(1, next);
          const entries: StoredEntry[] = [];
          for (const letter of selectLetters(dead.result as DeadLetter[], seqs)) {
            const { reason: _reason, errorCode: _code, deadAt: _at, ...entry } = letter;
            os.delete([letter.seq]);
            entries.push({ ...entry, seq: seq++, attempts: 0, lastError: undefined });
          }
          putChunks(os, entries);
          count = entries.length;
          os.put(seq, NEXT_SEQ);
          os.put(depth + count, DEPTH);
        } catch (error) {
          fail(error);
        }
      });
      return () => count;
    });
    if (moved > 0) this.#announce();
    return moved;
  }

  discardDeadLetters(seqs?: readonly number[]): Promise<number> {
    return this.#tx('readwrite', (os) => {
      let count = 0;
      const dead = os.getAll(deadRange());
      dead.onsuccess = () => {
        for (const letter of selectLetters(dead.result as DeadLetter[], seqs)) {
          os.delete([letter.seq]);
          count++;
        }
      };
      return () => count;
    });
  }

  stats(): Promise<OutboxStoreStats> {
    return this.#tx('readonly', (os) => {
      let depth = 0;
      readNumbers(os, [DEPTH] as const, ([d]) => (depth = d));
      const dead = os.count(deadRange());
      const oldest = os.openCursor(liveRange());
      return () => ({ depth, deadLetters: dead.result, oldestEnqueuedAt: (oldest.result?.value as StoredEntry[] | undefined)?.[0]?.enqueuedAt });
    });
  }

  /** Drops waiting entries and lowers the depth by as many as were there. */
  #drop(os: IDBObjectStore, seqs: readonly number[]): void {
    readNumbers(os, [DEPTH] as const, ([depth]) => editEntries(os, seqs, () => undefined, (dropped) => dropped > 0 && os.put(Math.max(0, depth - dropped), DEPTH)));
  }

  watch(listener: () => void): () => void {
    this.#listeners.add(listener);
    this.#openChannel();
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#listeners.clear();
    this.#channel?.close();
    this.#channel = undefined;
  }

  #openChannel(): BroadcastChannel | undefined {
    if (this.#channel === undefined && typeof BroadcastChannel !== 'undefined') {
      this.#channel = new BroadcastChannel(`isoflux-outbox:${this.name}`);
      this.#channel.onmessage = () => this.#notify();
    }
    return this.#channel;
  }

  /** Tells this context's listeners and, through the channel, every other tab's. */
  #announce(): void {
    this.#notify();
    this.#openChannel()?.postMessage('append');
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  /** Runs `body` in one transaction and resolves after it completed; a quota failure becomes `storage_quota`. */
  async #tx<T>(mode: IDBTransactionMode, body: TxBody<T>): Promise<T> {
    let failure: unknown;
    try {
      return await this.#use(mode, (os) => {
        const fail = (error: unknown): void => {
          failure ??= error;
          try {
            os.transaction.abort();
          } catch {
            // Already finished: the completion promise reports it.
          }
        };
        let result: () => T = () => undefined as T;
        try {
          result = body(os, fail);
        } catch (error) {
          fail(error);
        }
        return completion(os.transaction).then(() => result());
      });
    } catch (error) {
      const cause = failure ?? error;
      if (isQuotaExceeded(cause)) throw new StorageQuotaError(`Outbox write to ${this.name} (nothing of this batch was stored; earlier entries are intact)`, { cause });
      throw cause;
    }
  }
}

function selectLetters(letters: DeadLetter[], seqs: readonly number[] | undefined): DeadLetter[] {
  if (seqs === undefined) return letters;
  const wanted = new Set(seqs);
  return letters.filter((l) => wanted.has(l.seq));
}

/** Resolves when `tx` commits; rejects with its error when it aborts (a failing request's `error` event comes first and is not final). */
function completion(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new DOMException('The IndexedDB transaction was aborted.', 'AbortError'));
  });
}

/** True for the `QuotaExceededError` DOMException (and Firefox's old name for it). */
function isQuotaExceeded(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}
