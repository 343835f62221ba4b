/**
 * A bounded buffer between one stage of a stream and the next.
 * @module
 */
import { Fifo } from '../core/delivery-queue.js';

/**
 * A FIFO with a capacity that producers respect by checking `room` / awaiting `whenRoom()` before they
 * push, so memory stays bounded; consumers `pull` and wait while it is empty. `end()` is the producer
 * finishing (consumers drain what is left, then get `[]`); `cancel()` is the consumer leaving (buffered
 * items are dropped, producers see no room and stop).
 */
export class Channel<T> {
  readonly #items = new Fifo<T>();
  readonly #capacity: number;
  readonly #onCancel: (() => void) | undefined;
  #ended = false;
  #error: unknown;
  #cancelled = false;
  #reader: (() => void) | undefined;
  #roomWaiter: Promise<void> | undefined;
  #signalRoom: (() => void) | undefined;

  constructor(capacity: number, onCancel?: () => void) {
    this.#capacity = capacity;
    this.#onCancel = onCancel;
  }

  /** Items a producer may still push without exceeding the capacity; 0 once cancelled. */
  get room(): number {
    return this.#cancelled ? 0 : this.#capacity - this.#items.size;
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Resolves once there is room or the channel was cancelled. One shared promise, so racing it leaks nothing. */
  whenRoom(): Promise<void> {
    if (this.room > 0 || this.#cancelled) return Promise.resolve();
    return (this.#roomWaiter ??= new Promise<void>((resolve) => (this.#signalRoom = resolve)));
  }

  /** Adds an item (ignored after end or cancel). Does not refuse when full: producers check `room` first. */
  push(item: T): void {
    if (this.#cancelled || this.#ended) return;
    this.#items.push(item);
    this.#wakeReader();
  }

  /** The producer is done (with `error` when it failed): consumers drain the buffer, then end. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#wakeReader();
  }

  /** The consumer is gone: drop the buffer and tell producers. Idempotent. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#items.clear();
    this.#wakeReader();
    this.#wakeProducer();
    this.#onCancel?.();
  }

  /** Up to `max` items; waits while empty. `[]` means ended, cancelled, or `signal` aborted. Rejects with the producer's error. */
  async pull(max: number, signal?: AbortSignal): Promise<T[]> {
    while (this.#items.size === 0) {
      if (this.#ended && this.#error !== undefined) throw this.#error;
      if (this.#ended || this.#cancelled || signal?.aborted) return [];
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', wake);
          this.#reader = undefined;
          resolve();
        };
        this.#reader = wake;
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
    const batch: T[] = [];
    while (batch.length < max && this.#items.size > 0) batch.push(this.#items.shift() as T);
    this.#wakeProducer();
    return batch;
  }

  #wakeReader(): void {
    this.#reader?.();
  }

  #wakeProducer(): void {
    const signal = this.#signalRoom;
    if (signal === undefined) return;
    this.#signalRoom = undefined;
    this.#roomWaiter = undefined;
    signal();
  }
}
