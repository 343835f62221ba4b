/**
 * The buffered subscription every transport uses: one handler call at a time per subscription (or pulled
 * by `for await` / `fetch`), a bounded buffer with an overflow policy, AbortSignal lifetimes and counters.
 * A transport only pushes messages in with `deliver()` and releases its interest in `onClose`.
 * @module
 */
import { Fifo } from './delivery-queue.js';
import { ClosedError, DroppedError, InvalidArgumentError, SlowConsumerError } from './errors.js';
import { resolveSubscribeOptions } from './subscribe-args.js';
import type { Consumer, FetchOptions, Handler, OverflowPolicy, SubscribeOptions, Subscription, SubscriptionStats } from './interfaces.js';
import type { Message } from './message.js';
import type { DeliveryTracker } from './settle.js';
import type { ConsumeInfo, Telemetry } from './telemetry.js';
import { awaitMessage, parkPublisher, type Blocked, type Pending, type Reader } from './waiting.js';

const DONE: Promise<void> = Promise.resolve();

/** Logs a handler failure when the subscriber gave no `onError`. */
function reportToConsole(error: unknown, message?: Message<unknown>): void {
  console.error(`[isoflux] handler failed${message ? ` on ${message.subject}` : ''}:`, error);
}

/** Hooks a transport gives a {@link BufferedSubscription}. */
export interface SubscriptionHooks {
  /** Release the transport's interest (remove from the routing table, unsubscribe on the server). */
  onClose(): void | Promise<void>;
  /** Resolves once the transport registered interest. Default: already. */
  ready?: Promise<void>;
  /** Records consumer spans, drops and lag. */
  telemetry?: Telemetry | undefined;
  /** The transport's name for telemetry (`messaging.system`). Default `isoflux`. */
  system?: string;
}

/**
 * A subscription with a bounded buffer. With a handler, messages are handled one at a time in arrival
 * order; synchronous handlers run inline (no scheduling cost) and re-entrant deliveries are queued, never
 * recursed into. Without a handler, messages wait for `for await` or `fetch`.
 */
export class BufferedSubscription<T> implements Subscription<T>, Consumer<T> {
  readonly pattern: string;
  readonly ready: Promise<void>;
  readonly closed: Promise<Error | undefined>;
  readonly #handler: Handler<T> | undefined;
  readonly #options: SubscribeOptions;
  readonly #capacity: number;
  readonly #overflow: OverflowPolicy;
  readonly #maxDrops: number;
  readonly #hooks: SubscriptionHooks;
  readonly #telemetry: Telemetry | undefined;
  readonly #info: ConsumeInfo;
  readonly #unobserve: (() => void) | undefined;
  readonly #queue = new Fifo<Pending<T>>();
  readonly #blocked = new Fifo<Blocked<T>>();
  readonly #readers = new Fifo<Reader<T>>();
  #busy = false;
  #ready: boolean;
  #closed = false;
  #draining: (() => void) | undefined;
  #consecutiveDrops = 0;
  #delivered = 0;
  #dropped = 0;
  #failed = 0;
  #resolveClosed!: (reason: Error | undefined) => void;
  #detachSignal: (() => void) | undefined;

  constructor(pattern: string, handler: Handler<T> | undefined, options: SubscribeOptions | undefined, hooks: SubscriptionHooks) {
    const resolved = resolveSubscribeOptions(options);
    this.pattern = pattern;
    this.#handler = handler;
    this.#ready = handler !== undefined;
    this.#options = options ?? {};
    this.#capacity = resolved.bufferSize;
    this.#overflow = resolved.overflow;
    this.#maxDrops = resolved.maxConsecutiveDrops;
    this.#hooks = hooks;
    this.#telemetry = hooks.telemetry;
    this.#info = { system: hooks.system ?? 'isoflux', pattern, queue: this.#options.queue };
    this.#unobserve = hooks.telemetry?.observe('consumer.lag', () => this.#queue.size + this.#blocked.size, {
      'messaging.system': this.#info.system,
      'messaging.destination.name': pattern,
    });
    this.ready = hooks.ready ?? DONE;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    const signal = this.#options.signal;
    if (signal) {
      const onAbort = (): void => void this.unsubscribe();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#detachSignal = () => signal.removeEventListener('abort', onAbort);
    }
  }

  /** Call once the transport has registered the subscription, so an already-aborted signal closes it. */
  start(): this {
    if (this.#options.signal?.aborted) void this.unsubscribe();
    return this;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  get stats(): SubscriptionStats {
    return { delivered: this.#delivered, dropped: this.#dropped, failed: this.#failed, pending: this.#queue.size + this.#blocked.size };
  }

  /** True when a new message would have to wait or be dropped. */
  get isFull(): boolean {
    return this.#queue.size >= this.#capacity;
  }

  /** True when a new message would be handled at once. Lets queue groups prefer an idle member. */
  get isIdle(): boolean {
    return !this.#busy && this.#queue.size === 0;
  }

  /**
   * Hands a message to this subscription. Returns a promise only when the `block` policy makes the
   * publisher wait; it rejects with `closed` if the subscription ends first.
   */
  deliver(message: Message<T>, tracker?: DeliveryTracker, signal?: AbortSignal): void | Promise<void> {
    // `#ready` is true exactly when a handler is set, it is idle (so its queue is empty) and the
    // subscription is open: one load decides the common case
    if (this.#ready) {
      tracker?.add();
      this.#run(message, tracker);
      return;
    }
    return this.#deliverSlow(message, tracker, signal);
  }

  /** Everything but an idle handler: kept out of `deliver` so that stays small enough for V8 to inline. */
  #deliverSlow(message: Message<T>, tracker: DeliveryTracker | undefined, signal: AbortSignal | undefined): void | Promise<void> {
    if (this.#closed || this.#draining) return this.#drop(message, tracker, 'closed');
    tracker?.add();
    // (a handler that is idle was taken by the fast path: here it is busy, or there is no handler)
    const reader = this.#readers.shift();
    if (reader !== undefined) {
      this.#delivered++;
      tracker?.done();
      reader(message);
      return;
    }
    if (this.#queue.size < this.#capacity) {
      this.#consecutiveDrops = 0;
      this.#queue.push({ message, tracker });
      return;
    }
    switch (this.#overflow) {
      case 'block':
        return parkPublisher(this.#blocked, message, tracker, signal);
      case 'drop-oldest': {
        const oldest = this.#queue.shift() as Pending<T>;
        this.#queue.push({ message, tracker });
        this.#countDrop(oldest.message, oldest.tracker, 'overflow');
        return;
      }
      default:
        this.#countDrop(message, tracker, 'overflow');
        if (this.#overflow === 'disconnect' && this.#consecutiveDrops >= this.#maxDrops) {
          void this.#close(new SlowConsumerError(this.pattern, this.#consecutiveDrops));
        }
    }
  }

  /** Reports a message that could not be turned into a payload (decode or schema failure). */
  reportError(error: unknown, message?: Message<unknown>): void {
    this.#failed++;
    (this.#options.onError ?? reportToConsole)(error, message);
  }

  #drop(message: Message<T>, tracker: DeliveryTracker | undefined, reason: 'closed'): void {
    this.#dropped++;
    this.#telemetry?.dropped(this.#info, reason, this.#overflow);
    tracker?.add();
    tracker?.unhandled(this.#closedError());
    this.#callOnDrop(message, reason);
  }

  #countDrop(message: Message<T>, tracker: DeliveryTracker | undefined, reason: 'overflow' | 'closed'): void {
    this.#dropped++;
    this.#consecutiveDrops++;
    this.#telemetry?.dropped(this.#info, reason, this.#overflow);
    tracker?.unhandled(reason === 'closed' ? this.#closedError() : new DroppedError(message.subject, this.pattern, this.#overflow));
    this.#callOnDrop(message, reason);
  }

  #closedError(): ClosedError {
    return new ClosedError(`Subscription ${JSON.stringify(this.pattern)}`);
  }

  #callOnDrop(message: Message<T>, reason: 'overflow' | 'closed'): void {
    try {
      this.#options.onDrop?.(message as Message<unknown>, reason);
    } catch (error) {
      reportToConsole(error, message as Message<unknown>);
    }
  }

  /** Runs the handler on `message`, then on everything queued meanwhile, without recursion. */
  #run(message: Message<T>, tracker: DeliveryTracker | undefined): void {
    const handler = this.#handler as Handler<T>;
    this.#busy = true;
    this.#ready = false;
    for (;;) {
      this.#delivered++;
      let pending: PromiseLike<unknown> | undefined;
      let failed = false;
      try {
        const result = this.#telemetry?.enabled() ? this.#traced(handler, message) : handler(message);
        // inside the try: a result whose `then` getter throws is a failed handler, not a stuck subscription
        if (result !== undefined && typeof (result as PromiseLike<unknown> | null)?.then === 'function') pending = result as PromiseLike<unknown>;
      } catch (error) {
        failed = true;
        this.#fail(error, message, tracker);
      }
      if (pending !== undefined) {
        void this.#settle(pending, message, tracker);
        return;
      }
      if (!failed) tracker?.done();
      if (this.#queue.size === 0) break;
      const next = this.#take();
      if (next === undefined) break;
      message = next.message;
      tracker = next.tracker;
    }
    this.#idle();
  }

  #traced(handler: Handler<T>, message: Message<T>): unknown {
    return (this.#telemetry as Telemetry).process(message as Message<unknown>, this.#info, () => handler(message));
  }

  /**
   * Finishes a busy period that met an async handler: awaits it, then handles the rest of the queue in
   * this one async frame (sync handlers inline, async ones awaited), so a busy async subscriber costs
   * one await per message and no closures.
   */
  async #settle(pending: PromiseLike<unknown>, message: Message<T>, tracker: DeliveryTracker | undefined): Promise<void> {
    const handler = this.#handler as Handler<T>;
    let result: PromiseLike<unknown> | undefined = pending;
    for (;;) {
      if (result !== undefined) {
        let error: unknown;
        try {
          await result;
        } catch (e) {
          error = e ?? new Error('handler rejected');
        }
        if (error === undefined) tracker?.done();
        else this.#fail(error, message, tracker);
      }
      const next = this.#take();
      if (next === undefined) return this.#idle();
      message = next.message;
      tracker = next.tracker;
      this.#delivered++;
      result = undefined;
      try {
        const r = this.#telemetry?.enabled() ? this.#traced(handler, message) : handler(message);
        if (r !== undefined && typeof (r as PromiseLike<unknown> | null)?.then === 'function') result = r as PromiseLike<unknown>;
        else tracker?.done();
      } catch (error) {
        this.#fail(error, message, tracker);
      }
    }
  }

  #fail(error: unknown, message: Message<T>, tracker: DeliveryTracker | undefined): void {
    this.#failed++;
    tracker?.done(error);
    try {
      (this.#options.onError ?? reportToConsole)(error, message as Message<unknown>);
    } catch {
      // an onError that throws must not stop delivery
    }
  }

  #idle(): void {
    this.#busy = false;
    this.#ready = !this.#closed && this.#draining === undefined;
    // caught up: whatever comes next is accepted, which ends any run of drops
    this.#consecutiveDrops = 0;
    if (this.#draining && this.#queue.size === 0) this.#draining();
  }

  /** Next queued delivery, refilled from a blocked publisher so it can return. */
  #take(): Pending<T> | undefined {
    if (this.#closed) return undefined;
    const next = this.#queue.shift();
    const waiting = this.#blocked.shift();
    if (waiting !== undefined) {
      this.#queue.push(waiting);
      waiting.resolve();
    }
    if (this.#handler === undefined && this.#draining && this.#queue.size === 0) this.#draining();
    return next;
  }

  async fetch(max: number, options: FetchOptions = {}): Promise<Message<T>[]> {
    if (this.#handler !== undefined) throw new InvalidArgumentError('fetch() is for subscriptions without a handler');
    if (!Number.isInteger(max) || max < 1) throw new InvalidArgumentError(`fetch(max): max must be a positive integer, got ${String(max)}`);
    const batch: Message<T>[] = [];
    for (let p = this.#take(); p !== undefined; p = batch.length < max ? this.#take() : undefined) {
      this.#delivered++;
      p.tracker?.done();
      batch.push(p.message);
    }
    if (batch.length > 0 || this.#closed) return batch;
    const first = await awaitMessage(this.#readers, options);
    return first === undefined ? [] : [first];
  }

  [Symbol.asyncIterator](): AsyncIterator<Message<T>> {
    if (this.#handler !== undefined) throw new InvalidArgumentError('a subscription with a handler cannot also be iterated; subscribe without a handler');
    return {
      next: async () => {
        const ready = this.#take();
        if (ready !== undefined) {
          this.#delivered++;
          ready.tracker?.done();
          return { value: ready.message, done: false };
        }
        const message = this.#closed ? undefined : await awaitMessage(this.#readers, {});
        return message === undefined ? { value: undefined, done: true } : { value: message, done: false };
      },
      return: async () => {
        await this.unsubscribe();
        return { value: undefined, done: true };
      },
    };
  }

  unsubscribe(): Promise<void> {
    return this.#close(undefined);
  }

  #drained: Promise<void> | undefined;

  drain(): Promise<void> {
    if (this.#closed) return this.closed.then(() => undefined);
    return (this.#drained ??= this.#drain());
  }

  async #drain(): Promise<void> {
    if (!this.#busy && this.#queue.size === 0) return this.#close(undefined);
    const drained = new Promise<void>((resolve) => ((this.#ready = false), (this.#draining = resolve)));
    try {
      await this.#hooks.onClose();
    } catch (error) {
      await this.#close(undefined);
      throw error;
    }
    // without a handler, `for await` / `fetch` read what is buffered; the subscription ends once they have
    if (this.#handler === undefined) return void drained.then(() => this.#close(undefined));
    await drained;
    await this.#close(undefined);
  }

  async #close(reason: Error | undefined): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready = false;
    this.#detachSignal?.();
    this.#unobserve?.();
    for (const p of this.#queue.clear()) this.#countDrop(p.message, p.tracker, 'closed');
    const closedError = reason ?? new ClosedError(`Subscription ${JSON.stringify(this.pattern)}`);
    for (const b of this.#blocked.clear()) {
      this.#countDrop(b.message, b.tracker, 'closed');
      b.reject(closedError);
    }
    for (const r of this.#readers.clear()) r(undefined);
    try {
      if (reason !== undefined) this.reportError(reason);
    } catch {
      // a throwing onError must not keep the transport's interest registered
    }
    try {
      if (!this.#draining) await this.#hooks.onClose();
    } finally {
      this.#resolveClosed(reason);
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.unsubscribe();
  }
}
