/**
 * An in-process outbox store: for runtimes without IndexedDB (Node, Deno, workerd) and for tests.
 * @module
 */
import { cloneValue } from '../core/codec.js';
import { IsofluxError, StorageQuotaError } from '../core/errors.js';
import type { DeadLetter, OutboxRecord, OutboxStore, OutboxStoreStats, ReadQuery, StatsQuery, StoredEntry } from './store.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Name used for relay election (default `memory`). */
  name?: string;
  /** Entries (waiting + dead letters) the store holds before `append` rejects with `storage_quota` (default unlimited). */
  maxEntries?: number;
}

let stores = 0;

/**
 * A store in this process's memory. **Not durable**: entries are lost when the process (or tab) ends, so it
 * gives the relay's ordering, retries and dead letters without the crash guarantee. Payloads are copied with
 * `structuredClone` at append, so later changes by the caller do not reach the stored entry.
 */
export function memoryStore(options: MemoryStoreOptions = {}): OutboxStore {
  return new MemoryStore(options.name ?? `memory-${++stores}`, options.maxEntries ?? Infinity);
}

class MemoryStore implements OutboxStore {
  readonly name: string;
  readonly #maxEntries: number;
  /** Insertion order is `seq` order: seqs only grow. */
  readonly #live = new Map<number, StoredEntry>();
  readonly #dead = new Map<number, DeadLetter>();
  readonly #listeners = new Set<() => void>();
  #nextSeq = 1;

  constructor(name: string, maxEntries: number) {
    this.name = name;
    this.#maxEntries = maxEntries;
  }

  async append(records: readonly OutboxRecord[]): Promise<Array<StoredEntry | IsofluxError>> {
    const prepared = records.map((record): StoredEntry | IsofluxError => {
      try {
        return { ...record, payload: cloneValue(record.payload), headers: { ...record.headers }, seq: 0, attempts: 0 };
      } catch (error) {
        if (error instanceof IsofluxError) return error;
        throw error;
      }
    });
    const accepted = prepared.filter((p) => !(p instanceof IsofluxError)).length;
    if (this.#live.size + this.#dead.size + accepted > this.#maxEntries) {
      throw new StorageQuotaError(`Outbox write to memory store ${JSON.stringify(this.name)} (maxEntries ${this.#maxEntries}; nothing of this batch was stored)`);
    }
    const stored = prepared.map((p) => {
      if (p instanceof IsofluxError) return p;
      const entry = { ...p, seq: this.#nextSeq++ };
      this.#live.set(entry.seq, entry);
      return entry;
    });
    if (accepted > 0) this.#notify();
    return stored;
  }

  async read(query: ReadQuery): Promise<StoredEntry[]> {
    const after = query.after ?? -Infinity;
    const out: StoredEntry[] = [];
    for (const entry of this.#live.values()) {
      if (out.length >= query.limit) break;
      if (entry.seq > after && (query.key === undefined || entry.key === query.key)) out.push(entry);
    }
    return out;
  }

  async update(entries: readonly StoredEntry[]): Promise<void> {
    for (const entry of entries) if (this.#live.has(entry.seq)) this.#live.set(entry.seq, entry);
  }

  async remove(seqs: readonly number[]): Promise<void> {
    for (const seq of seqs) this.#live.delete(seq);
  }

  async deadLetter(letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters) {
      this.#live.delete(letter.seq);
      this.#dead.set(letter.seq, letter);
    }
  }

  async listDeadLetters(limit = Infinity): Promise<DeadLetter[]> {
    return [...this.#dead.values()].slice(0, limit);
  }

  async retryDeadLetters(seqs?: readonly number[]): Promise<number> {
    const letters = this.#select(seqs);
    for (const { reason: _r, errorCode: _c, deadAt: _d, ...entry } of letters) {
      this.#dead.delete(entry.seq);
      const seq = this.#nextSeq++;
      this.#live.set(seq, { ...entry, seq, attempts: 0, lastError: undefined });
    }
    if (letters.length > 0) this.#notify();
    return letters.length;
  }

  async discardDeadLetters(seqs?: readonly number[]): Promise<number> {
    const letters = this.#select(seqs);
    for (const letter of letters) this.#dead.delete(letter.seq);
    return letters.length;
  }

  async stats(query?: StatsQuery): Promise<OutboxStoreStats> {
    const oldest = this.#live.values().next();
    const stats = { depth: this.#live.size, oldestEnqueuedAt: oldest.done ? undefined : oldest.value.enqueuedAt, deadLetters: this.#dead.size };
    const before = query?.enqueuedBefore;
    if (before === undefined) return stats;
    let olderCount = 0;
    for (const entry of this.#live.values()) if (entry.enqueuedAt < before) olderCount++;
    return { ...stats, olderCount };
  }

  watch(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#listeners.clear();
  }

  #select(seqs: readonly number[] | undefined): DeadLetter[] {
    if (seqs === undefined) return [...this.#dead.values()];
    return seqs.flatMap((seq) => this.#dead.get(seq) ?? []);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
