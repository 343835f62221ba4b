/**
 * The consumer-side inbox: handles each message id once, across redeliveries, reloads and crashes.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { Handler, Middleware } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { invoke } from '../middleware/settle.js';
import type { IdbInboxStore } from './idb-store.js';
import type { InboxStore } from './store.js';

/** Options of {@link createInbox}. */
export interface InboxOptions {
  /** Where processed ids live (`idbInboxStore(...)` in a browser, `memoryInboxStore()`, or your own). */
  store: InboxStore;
  /**
   * How long an id is remembered (default 24 h). Make it longer than the longest time a message can be
   * redelivered after it was first handled (a JetStream consumer's `ack_wait` × `max_deliver`, plus any
   * offline time of the handling tab): an id forgotten earlier is handled again.
   */
  ttlMs?: number;
  /** At most this many ids are kept; the oldest go first (default 100 000). */
  maxEntries?: number;
  /** What identifies a message (default its `id`: the publisher's, e.g. the outbox's or `Nats-Msg-Id`). */
  key?: (message: Message<unknown>) => string;
  /** Called for each message skipped because its id was processed already. */
  onDuplicate?: (message: Message<unknown>) => void;
  /** Prune after this many recorded ids (default 256), and at {@link Inbox.prune}. */
  pruneEvery?: number;
  /** Clock in ms since the epoch (default `Date.now`: shared across reloads; a clock set back keeps ids longer). */
  now?: () => number;
}

/** What an {@link InboxHandler} is given next to the message. */
export interface InboxContext {
  /** The message's key in the inbox. */
  readonly id: string;
  /**
   * Records the id in `tx`, the app's own `readwrite` IndexedDB transaction (its scope must include the
   * inbox store's `storeName`), so the id commits with the app's writes or not at all. Resolves false when the
   * id was recorded already (another tab won): then write nothing. Only with an `idbInboxStore({ db })`.
   */
  commitIn(tx: IDBTransaction): Promise<boolean>;
}

/** A handler that may commit the message id in its own transaction. */
export type InboxHandler<T> = (message: Message<T>, inbox: InboxContext) => unknown;

/** Counters of an inbox since it was made. */
export interface InboxStats {
  readonly handled: number;
  readonly skipped: number;
  readonly pruned: number;
}

/**
 * Effectively-once processing on top of an at-least-once source. `handle(fn)` wraps a handler: a message
 * whose id the store holds is acked and skipped; otherwise `fn` runs, and the id is recorded after it
 * succeeded (a failure records nothing, so the redelivery is handled). **Guarantee**: where `fn` writes its
 * effects and calls `commitIn(tx)` in one IndexedDB transaction, a message's effects are applied exactly once
 * per id within `ttlMs`, whatever crashes or reloads happen, in any number of tabs. Without `commitIn`, a
 * crash between `fn`'s effects and the id's write handles the message again (at-least-once, duplicates only
 * in that window). **Costs**: one read per message, one write per handled message (none extra with
 * `commitIn`), one pruning transaction per `pruneEvery` messages.
 */
export class Inbox {
  readonly store: InboxStore;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #key: (message: Message<unknown>) => string;
  readonly #onDuplicate: ((message: Message<unknown>) => void) | undefined;
  readonly #pruneEvery: number;
  readonly #now: () => number;
  /** Ids being handled in this context: a second copy waits for the first. */
  readonly #running = new Map<string, Promise<unknown>>();
  #sincePrune = 0;
  #handled = 0;
  #skipped = 0;
  #pruned = 0;

  constructor(options: InboxOptions) {
    this.store = options.store;
    this.#ttlMs = positive('ttlMs', options.ttlMs ?? 86_400_000);
    this.#maxEntries = positive('maxEntries', options.maxEntries ?? 100_000);
    this.#pruneEvery = positive('pruneEvery', options.pruneEvery ?? 256);
    this.#key = options.key ?? ((m) => m.id);
    this.#onDuplicate = options.onDuplicate;
    this.#now = options.now ?? Date.now;
  }

  get stats(): InboxStats {
    return { handled: this.#handled, skipped: this.#skipped, pruned: this.#pruned };
  }

  /** True when the message with this id was processed (and not forgotten). */
  processed(id: string): Promise<boolean> {
    return this.store.has(id);
  }

  /** Wraps `handler`: see {@link Inbox}. */
  handle<T>(handler: InboxHandler<T>): Handler<T> {
    return async (message) => {
      const id = this.#key(message as Message<unknown>);
      for (let running = this.#running.get(id); running !== undefined; running = this.#running.get(id)) await running.catch(() => undefined);
      const run = this.#once(id, message, handler);
      this.#running.set(id, run);
      try {
        return await run;
      } finally {
        if (this.#running.get(id) === run) this.#running.delete(id);
      }
    };
  }

  /** The same as a middleware (no `commitIn`): `chain(inbox.middleware(), …)`. */
  middleware(): Middleware {
    return <T>(next: Handler<T>) => this.handle<T>((message) => next(message));
  }

  /** Forgets ids older than `ttlMs` and the oldest past `maxEntries`; resolves with how many it removed. */
  async prune(): Promise<number> {
    this.#sincePrune = 0;
    const removed = await this.store.prune(this.#now() - this.#ttlMs, this.#maxEntries);
    this.#pruned += removed;
    return removed;
  }

  async #once<T>(id: string, message: Message<T>, handler: InboxHandler<T>): Promise<unknown> {
    if (await this.store.has(id)) return this.#skip(message as Message<unknown>);
    let committed: boolean | undefined;
    const context: InboxContext = {
      id,
      commitIn: async (tx) => {
        const store = this.store as Partial<IdbInboxStore>;
        if (typeof store.commitIn !== 'function')
          throw new InvalidArgumentError(`commitIn needs an idbInboxStore({ db }); this inbox's store is ${this.store.name}`);
        committed = await store.commitIn(tx, id, this.#now());
        return committed;
      },
    };
    const result = await invoke((m: Message<T>) => handler(m, context), message);
    if (committed === false) return this.#skip(message as Message<unknown>);
    if (committed === undefined) await this.store.add(id, this.#now());
    this.#handled++;
    if (++this.#sincePrune >= this.#pruneEvery) void this.prune().catch(() => undefined);
    return result;
  }

  async #skip(message: Message<unknown>): Promise<undefined> {
    this.#skipped++;
    if (message.hasAcker && !message.settled) await message.ack();
    this.#onDuplicate?.(message);
    return undefined;
  }
}

function positive(name: string, value: number): number {
  if (!(value > 0)) throw new InvalidArgumentError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

/** An inbox; see {@link Inbox}. */
export function createInbox(options: InboxOptions): Inbox {
  return new Inbox(options);
}
