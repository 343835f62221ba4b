/**
 * Group commit: every enqueue of one tick goes to the store in one write.
 * @module
 */
import { IsofluxError } from '../core/errors.js';
import type { OutboxRecord, OutboxStore } from './store.js';

interface Pending {
  readonly record: OutboxRecord;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: collects records until the current tick ends (a microtask) and appends them in one store
 * write; while a write is running, everything published meanwhile waits and goes in the next write. So a
 * steady stream of single publishes still costs few transactions, and each caller's promise settles when
 * the write holding its record is durable. One write at a time, in call order: one context's entries get
 * increasing seqs in the order they were published.
 */
export class AppendBatcher {
  readonly #store: OutboxStore;
  readonly #onWritten: () => void;
  #batch: Pending[] = [];
  #scheduled = false;
  #writing: Promise<void> | undefined;

  constructor(store: OutboxStore, onWritten: () => void) {
    this.#store = store;
    this.#onWritten = onWritten;
  }

  /** Resolves when `record` is durable; rejects with the store's error (`storage_quota`, `not_serializable` …). */
  add(record: OutboxRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#batch.push({ record, resolve, reject });
      if (this.#writing === undefined && !this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(() => this.#write());
      }
    });
  }

  /** Resolves once every record added so far has been written (or failed). */
  async settled(): Promise<void> {
    while (this.#batch.length > 0 || this.#writing !== undefined) {
      await Promise.resolve();
      await this.#writing;
    }
  }

  #write(): void {
    this.#scheduled = false;
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) return;
    // Through an async function, so a custom store that throws instead of rejecting still settles every caller.
    const write = (async () => this.#store.append(batch.map((p) => p.record)))().then(
      (results) => {
        results.forEach((result, i) => {
          const pending = batch[i] as Pending;
          if (result instanceof IsofluxError) pending.reject(result);
          else pending.resolve();
        });
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
      },
    );
    this.#writing = write.finally(() => {
      this.#writing = undefined;
      this.#onWritten();
      this.#write();
    });
  }
}
