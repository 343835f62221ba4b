/**
 * The hand-written bounded async queue a user of an emitter without backpressure (mitt, eventemitter3,
 * nanoevents, RxJS, postal) would put behind their listener to get what isoflux's `block` policy gives:
 * one handler call at a time, a bounded buffer, and a publisher that waits while the buffer is full.
 * Written plainly and without shortcuts isoflux does not also take, so the comparison is fair.
 * @module
 */

const READY: Promise<void> = Promise.resolve();

/** Runs `handler` on pushed items one at a time; `writable()` makes the publisher wait while `capacity` items are queued. */
export class BoundedAsyncQueue<T> {
  readonly #capacity: number;
  readonly #handler: (item: T) => Promise<void>;
  #items: Array<T | undefined> = [];
  #head = 0;
  #busy = false;
  #waiters: Array<() => void> = [];

  constructor(capacity: number, handler: (item: T) => Promise<void>) {
    this.#capacity = capacity;
    this.#handler = handler;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Accepts an item (the emitter's listener calls this); starts the handler at once when idle, as isoflux does. */
  push(item: T): void {
    if (!this.#busy && this.size === 0) void this.#drain(item);
    else this.#items.push(item);
  }

  /** Resolves when the publisher may push again: at once while there is room. */
  writable(): Promise<void> {
    if (this.size < this.#capacity) return READY;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async #drain(first: T): Promise<void> {
    this.#busy = true;
    for (let item: T | undefined = first; item !== undefined; item = this.#shift()) await this.#handler(item);
    this.#busy = false;
  }

  #shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    if (this.#waiters.length > 0 && this.size < this.#capacity) (this.#waiters.shift() as () => void)();
    return item;
  }
}
