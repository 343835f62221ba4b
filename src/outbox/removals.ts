/**
 * Batched removal of delivered entries: the acknowledgements of a whole round go to the store in one write.
 * @module
 */
import type { OutboxStore } from './store.js';

const RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * Collects seqs of delivered entries and removes them with one store write per round: while a write runs the
 * next round gathers. Removing late is safe — a crash before the write only means a resend with the same id.
 * A failed write (a full quota, for a store that needs space to remove) keeps its seqs and is tried again,
 * 1 s then doubling to 30 s, for as long as the relay runs: giving up would send them again after a reload.
 */
export class Removals {
  readonly #store: OutboxStore;
  readonly #onError: (error: unknown) => void;
  readonly #onRemoved: () => void;
  #pending: number[] = [];
  #writing: Promise<void> | undefined;
  #stopping = false;
  #wakeRetry: (() => void) | undefined;

  constructor(store: OutboxStore, onError: (error: unknown) => void, onRemoved: () => void) {
    this.#store = store;
    this.#onError = onError;
    this.#onRemoved = onRemoved;
  }

  /** Removals queued or failing now. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Queues a delivered entry's removal. */
  add(seq: number): void {
    this.#pending.push(seq);
    this.#writing ??= this.#write();
  }

  /** Tries the queued removals once more now (no retry wait) and resolves when that write ended. */
  async flush(): Promise<void> {
    this.#stopping = true;
    this.#wakeRetry?.();
    while (this.#writing !== undefined) await this.#writing;
    this.#stopping = false;
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
        this.#pending = batch.concat(this.#pending);
        if (this.#stopping) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** failures++));
          this.#wakeRetry = () => (clearTimeout(timer), resolve());
        });
        this.#wakeRetry = undefined;
      }
    }
    this.#writing = undefined;
  }
}
