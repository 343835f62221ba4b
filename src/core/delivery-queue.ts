/**
 * A FIFO of pending deliveries with O(1) push and shift (amortised), used by every subscription buffer.
 * @module
 */

/** FIFO queue backed by an array and a moving head; compacts itself so memory follows the live size. */
export class Fifo<T> {
  #items: Array<T | undefined> = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
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
    return item;
  }

  /** Removes one item (compared by identity), keeping the others' order. */
  remove(item: T): void {
    for (const other of this.clear()) if (other !== item) this.push(other);
  }

  /** Removes and returns everything. */
  clear(): T[] {
    const rest = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}
