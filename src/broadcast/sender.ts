/**
 * Coalescing: every item queued in one tick leaves in one `postMessage` at the end of the tick (a
 * microtask), so a burst of publishes costs one structured clone and one cross-tab hop instead of one each.
 * @module
 */
import { NotSerializableError } from '../core/errors.js';
import { Kind, PROTOCOL, WIRE_VERSION, type Frame, type Item, type TakenItem } from './wire.js';

/** Where frames go: a BroadcastChannel in production. */
export interface FramePort {
  postMessage(frame: Frame): void;
}

/**
 * Queues items and posts them as frames. Every queued item gets a sequence number (its wire identity, used
 * by queue groups); a frame carries the first one and the rest follow by position.
 */
export class FrameSender {
  readonly #port: FramePort;
  readonly #from: string;
  readonly #maxItems: number;
  readonly #onFailed: (error: NotSerializableError, item: Item) => void;
  #items: Item[] = [];
  #first = 0;
  #next = 0;
  #scheduled = false;
  #waiters: Array<() => void> = [];
  #frames = 0;
  #generation = 0;
  #closed = false;

  constructor(port: FramePort, from: string, maxItems: number, onFailed: (error: NotSerializableError, item: Item) => void) {
    this.#port = port;
    this.#from = from;
    this.#maxItems = maxItems;
    this.#onFailed = onFailed;
  }

  /** Changes at every flush: lets a caller append to an item it queued earlier in the same tick. */
  get generation(): number {
    return this.#generation;
  }

  /** Frames posted so far. */
  get frames(): number {
    return this.#frames;
  }

  /** Queues `item` for the end of this tick; returns its sequence number. */
  push(item: Item): number {
    if (this.#closed) return -1;
    this.#items.push(item);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.flush);
    }
    return this.#next++;
  }

  /** Resolves once everything queued so far has been posted. */
  flushed(): Promise<void> {
    if (!this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Posts what is queued now. Bound, so it can be handed to queueMicrotask. */
  readonly flush = (): void => {
    this.#scheduled = false;
    this.#generation++;
    const items = this.#items;
    let first = this.#first;
    this.#items = [];
    this.#first = this.#next;
    for (let start = 0; start < items.length; start += this.#maxItems) {
      const chunk = items.length <= this.#maxItems ? items : items.slice(start, start + this.#maxItems);
      this.#post(chunk, first);
      first += chunk.length;
    }
    for (const waiter of this.#waiters.splice(0)) waiter();
  };

  /** Posts the final items synchronously and refuses new ones. */
  close(last: Item): void {
    this.push(last);
    this.flush();
    this.#closed = true;
  }

  #post(items: Item[], first: number): void {
    try {
      this.#port.postMessage({ p: PROTOCOL, v: WIRE_VERSION, from: this.#from, s: first, items });
      this.#frames++;
    } catch (error) {
      if (items.length === 1 || (error as { name?: unknown } | null)?.name !== 'DataCloneError') {
        // Reached only when a payload passed the publish-time check yet the browser refused it (or the
        // channel broke): report it per item rather than lose the whole frame silently.
        for (const item of items) this.#onFailed(new NotSerializableError('postMessage', { cause: error }), item);
        return;
      }
      // One bad payload must not sink the batch: post one by one so only the bad item is lost (and reported).
      for (let i = 0; i < items.length; i++) this.#post([items[i] as Item], first + i);
    }
  }
}

/** A queue-group leader's "taken" notices: one item per group per tick, however many messages it took. */
export class TakenNotices {
  readonly #sender: FrameSender;
  readonly #items = new Map<string, TakenItem>();
  #generation = -1;

  constructor(sender: FrameSender) {
    this.#sender = sender;
  }

  add(group: string, key: string): void {
    if (this.#generation !== this.#sender.generation) {
      // The items of the previous tick were posted: start new ones.
      this.#items.clear();
      this.#generation = this.#sender.generation;
    }
    const item = this.#items.get(group);
    if (item !== undefined) item[2].push(key);
    else {
      const fresh: TakenItem = [Kind.Taken, group, [key]];
      this.#items.set(group, fresh);
      this.#sender.push(fresh);
    }
  }
}
