/**
 * Batched removal of delivered entries: the acknowledgements of a whole round go to the store in one write.
 * @module
 */
import type { OutboxStore } from './store.js';

const RETRY_MS = 1000;
/** Failed removal writes before `flush` gives up: the entries are then resent later and de-duplicated by id. */
const MAX_FAILED_FLUSHES = 3;

/**
 * Collects seqs of delivered entries and removes them with one store write per round: while a write runs the
 * next round gathers. Removing late is safe — a crash before the write only means a resend with the same id.
 */
export class Removals {
  readonly #store: OutboxStore;
  readonly #onError: (error: unknown) => void;
  readonly #onRemoved: () => void;
  #pending: number[] = [];
  #writing: Promise<void> | undefined;

  constructor(store: OutboxStore, onError: (error: unknown) => void, onRemoved: () => void) {
    this.#store = store;
    this.#onError = onError;
    this.#onRemoved = onRemoved;
  }

  /** Queues a delivered entry's removal. */
  add(seq: number): void {
    this.#pending.push(seq);
    this.#writing ??= this.#write();
  }

  /** Resolves once every queued removal was written (or failed repeatedly). */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  async #write(): Promise<void> {
    let failures = 0;
    // Let the acknowledgements that arrive in this tick join the first write.
    await Promise.resolve();
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        await this.#store.remove(batch);
        failures = 0;
        this.#onRemoved();
      } catch (error) {
        this.#onError(error);
        if (++failures >= MAX_FAILED_FLUSHES) break;
        this.#pending = batch.concat(this.#pending);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
    this.#writing = undefined;
  }
}
