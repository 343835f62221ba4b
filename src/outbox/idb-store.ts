/**
 * The default outbox store: IndexedDB through idb-keyval, shared by every tab and worker of an origin.
 * @module
 */
import { createStore, type UseStore } from 'idb-keyval';
import { IsofluxError, StorageQuotaError, UnsupportedError } from '../core/errors.js';
import { NEXT_SEQ, RESERVE, completion, deadRange, editEntries, incompressible, isQuotaExceeded, leaveQueue, putChunks, readNumbers, scanEntries } from './idb-chunks.js';
import { readStats } from './idb-stats.js';
import { storagePersisted } from './persist.js';
import type { DeadLetter, OutboxRecord, OutboxStore, OutboxStoreStats, ReadQuery, StatsQuery, StoredEntry } from './store.js';

/** Options of {@link idbStore}. */
export interface IdbStoreOptions {
  /** IndexedDB database name (default `isoflux-outbox`). Use one name per outbox: the store owns the whole database. */
  database?: string;
  /**
   * Bytes kept free for removals (default 128 KiB, of incompressible data: Chromium compresses values). At a
   * full quota a removal deletes this reserve (a delete needs no space) and writes its tombstones from it;
   * the next append writes it back first, and fails with `storage_quota` while it does not fit.
   */
  reserveBytes?: number;
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
 * leaves earlier entries intact. Removing delivered entries never needs more than the space the store keeps
 * free for it (`reserveBytes`), so a full quota never wedges the relay or makes it send delivered entries
 * again after a reload. Throws `unsupported` where there is no `indexedDB` (Node, Deno, workerd):
 * use `memoryStore()` or a store of your own there.
 */
export function idbStore(options: IdbStoreOptions = {}): OutboxStore {
  if (typeof indexedDB === 'undefined') {
    throw new UnsupportedError('IndexedDB is not available in this runtime (Node, Deno and workerd have none): pass `store: memoryStore()` or your own OutboxStore.');
  }
  return new IdbStore(options.database ?? 'isoflux-outbox', options.reserveBytes ?? 128 * 1024);
}

/** Runs inside a transaction; returns a reader of the result, called once the transaction completed. */
type TxBody<T> = (os: IDBObjectStore, fail: (error: unknown) => void) => () => T;

/** What this context knows of the reserve: written, deleted (by any tab), or not looked at yet. */
type ReserveState = 'present' | 'missing' | 'unknown';

class IdbStore implements OutboxStore {
  readonly name: string;
  readonly #use: UseStore;
  readonly #listeners = new Set<() => void>();
  readonly #reserveBytes: number;
  #reserve: ReserveState = 'unknown';
  #channel: BroadcastChannel | undefined;

  constructor(database: string, reserveBytes: number) {
    this.name = `idb:${database}`;
    this.#use = createStore(database, OBJECT_STORE);
    this.#reserveBytes = Math.max(0, Math.floor(reserveBytes));
    // hear other tabs releasing the reserve even before anyone watches
    this.#openChannel();
  }

  async append(records: readonly OutboxRecord[]): Promise<Array<StoredEntry | IsofluxError>> {
    const stored = await this.#tx('readwrite', (os, fail) => {
      const results = new Array<StoredEntry | IsofluxError>(records.length);
      readNumbers(os, [NEXT_SEQ] as const, ([next]) => {
        try {
          let seq = Math.max(1, next);
          const entries = records.map((record): StoredEntry => ({ ...record, seq: seq++, attempts: 0 }));
          const errors = putChunks(os, entries);
          entries.forEach((entry, i) => (results[i] = errors[i] ?? entry));
          os.put(seq, NEXT_SEQ);
        } catch (error) {
          fail(error);
        }
      });
      this.#keepReserve(os);
      return () => results;
    });
    this.#reserve = 'present';
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
      editEntries(os, [...bySeq.keys()], (entry) => bySeq.get(entry.seq) ?? entry);
      return () => undefined;
    });
  }

  /**
   * Finished chunks are deleted, others get a tombstone. At a full quota: the reserve is deleted and the
   * write tried again from its space; failing that, every finished chunk is still deleted (deletes need no
   * space) and the rest rejects with `storage_quota`, for the caller to try again later.
   */
  async remove(seqs: readonly number[]): Promise<void> {
    const body: TxBody<void> = (os) => {
      leaveQueue(os, seqs, false, () => undefined);
      return () => undefined;
    };
    try {
      await this.#spaceFor(body);
    } catch (error) {
      if (!(error instanceof StorageQuotaError)) throw error;
      const left = await this.#tx('readwrite', (os) => {
        let rest: number[] = [];
        leaveQueue(os, seqs, true, (_removed, l) => (rest = l));
        return () => rest;
      });
      if (left.length > 0) throw error;
    }
  }

  deadLetter(letters: readonly DeadLetter[]): Promise<void> {
    return this.#spaceFor((os) => {
      const bySeq = new Map(letters.map((l) => [l.seq, l]));
      leaveQueue(os, [...bySeq.keys()], false, (removed) => {
        for (const entry of removed) os.put(bySeq.get(entry.seq), [entry.seq]);
      });
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
      readNumbers(os, [NEXT_SEQ] as const, ([next]) => {
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

  stats(query?: StatsQuery): Promise<OutboxStoreStats> {
    return this.#tx('readonly', (os) => {
      let stats: OutboxStoreStats = { depth: 0, oldestEnqueuedAt: undefined, deadLetters: 0 };
      readStats(os, query, (s) => (stats = s));
      return () => stats;
    });
  }

  persisted(): Promise<boolean | undefined> {
    return storagePersisted();
  }

  /**
   * Runs `body`; at a full quota deletes the reserve and runs it again right behind that delete (both
   * transactions are created together, so no other write of this context slips between them).
   */
  async #spaceFor(body: TxBody<void>): Promise<void> {
    try {
      return await this.#tx('readwrite', body);
    } catch (error) {
      if (!(error instanceof StorageQuotaError) || this.#reserveBytes === 0) throw error;
    }
    this.#reserve = 'missing';
    this.#openChannel()?.postMessage('reserve');
    await this.#tx('readwrite', body, true);
  }

  /** Writes the reserve back in an append's transaction when it is missing (or not known to be there). */
  #keepReserve(os: IDBObjectStore): void {
    if (this.#reserve === 'present' || this.#reserveBytes === 0) return;
    const put = (): void => void os.put(incompressible(this.#reserveBytes), RESERVE);
    if (this.#reserve === 'missing') return put();
    const existing = os.getKey(RESERVE);
    existing.onsuccess = () => existing.result === undefined && put();
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
      this.#channel.onmessage = (event: MessageEvent) => {
        if (event.data === 'reserve') this.#reserve = 'missing';
        else this.#notify();
      };
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

  /**
   * Runs `body` in one transaction and resolves after it completed; a quota failure becomes `storage_quota`.
   * With `releaseReserve`, a transaction deleting the reserve is created first and `body` runs in a second
   * one created right behind it (IndexedDB runs them in that order; the delete needs no space).
   */
  async #tx<T>(mode: IDBTransactionMode, body: TxBody<T>, releaseReserve = false): Promise<T> {
    let failure: unknown;
    try {
      return await this.#use(mode, (first) => {
        let released: Promise<void> | undefined;
        let os = first;
        if (releaseReserve) {
          first.delete(RESERVE);
          released = completion(first.transaction);
          os = first.transaction.db.transaction(OBJECT_STORE, mode).objectStore(OBJECT_STORE);
        }
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
        const done = completion(os.transaction);
        return Promise.all([released, done]).then(() => result());
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
