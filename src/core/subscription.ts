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
import { tapClock, type TapEvent, type Taps } from './wiretap.js';
import { fetchTimeoutMs } from './renamed-option.js';
import { awaitMessage, parkPublisher, type Blocked, type Pending, type Reader } from './waiting.js';

const DONE: Promise<void> = Promise.resolve();

/** Logs a handler failure when the subscriber gave no `onError`. */
function reportToConsole(error: unknown, message?: Message<unknown>): void {
  console.error(`[isoflux] handler failed${message ? ` on ${message.subject}` : ''}:`, error);
}

/** Hooks a transport gives a {@link BufferedSubscription}. One object may serve every subscription of a bus. */
export interface SubscriptionHooks {
  /** Release the transport's interest (remove from the routing table, unsubscribe on the server). */
  onClose(subscription: BufferedSubscription<unknown>): void | Promise<void>;
  /** Resolves once the transport registered interest. Default: already. */
  ready?: Promise<void>;
  /** Records consumer spans, drops and lag. */
  telemetry?: Telemetry | undefined;
  /** The transport's name for telemetry (`messaging.system`). Default `isoflux`. */
  system?: string;
  /** The bus's wiretap: delivered, dropped and failed events go there while `taps.active`. */
  taps?: Taps | undefined;
  /**
   * Kept by a bus that tracks it (the kit's facade): true while `taps.active` or `telemetry` is set, so a
   * handler call checks one flag. Left undefined, the subscription checks `taps` and `telemetry` itself.
   */
  observed?: boolean;
}

/**
 * A transport's registration of one subscription (see `Driver.listen` in `isoflux/transport`), kept on the
 * subscription by {@link BufferedSubscription.attach}.
 */
export interface SubscriptionListener {
  /** Resolves once the transport registered interest. Omit when it is at once. */
  readonly ready?: Promise<void>;
  /** Releases the interest of `sink`. */
  close(sink: BufferedSubscription<unknown>): void | Promise<void>;
}

// Flags: the subscription takes the fast path exactly when none is set.
const BUSY = 1;
const CLOSED = 2;
const DRAINING = 4;
const NO_HANDLER = 8;

const NO_OPTIONS: SubscribeOptions = Object.freeze({});

/**
 * What only a subscription that queues, waits, drops, fails, drains, is aborted or is watched needs: created
 * the first time one of those happens, so an idle subscription is a handful of fields (its cost is the
 * `memory per subscription` benchmark).
 */
class Backlog<T> {
  readonly queue = new Fifo<Pending<T>>();
  readonly blocked = new Fifo<Blocked<T>>();
  readonly readers = new Fifo<Reader<T>>();
  draining: (() => void) | undefined;
  drained: Promise<void> | undefined;
  consecutiveDrops = 0;
  dropped = 0;
  failed = 0;
  detachSignal: (() => void) | undefined;
  unobserve: (() => void) | undefined;
  closed: Promise<Error | undefined> | undefined;
  resolveClosed: ((reason: Error | undefined) => void) | undefined;
  closeReason: Error | undefined;
  /** The close has finished: `closed` made from now on resolves at once. */
  ended = false;
  info: ConsumeInfo | undefined;
}

/**
 * A subscription with a bounded buffer. With a handler, messages are handled one at a time in arrival
 * order; synchronous handlers run inline (no scheduling cost) and re-entrant deliveries are queued, never
 * recursed into. Without a handler, messages wait for `for await` or `fetch`.
 */
export class BufferedSubscription<T> implements Subscription<T>, Consumer<T> {
  readonly pattern: string;
  readonly #handler: Handler<T> | undefined;
  readonly #options: SubscribeOptions;
  readonly #hooks: SubscriptionHooks;
  #flags: number;
  #delivered = 0;
  #backlog: Backlog<T> | undefined;
  #listener: SubscriptionListener | undefined;

  constructor(pattern: string, handler: Handler<T> | undefined, options: SubscribeOptions | undefined, hooks: SubscriptionHooks) {
    resolveSubscribeOptions(options);
    this.pattern = pattern;
    this.#handler = handler;
    this.#flags = handler === undefined ? NO_HANDLER : 0;
    this.#options = options ?? NO_OPTIONS;
    this.#hooks = hooks;
    const telemetry = hooks.telemetry;
    if (telemetry !== undefined) {
      const b = this.#more();
      b.unobserve = telemetry.observe('consumer.lag', () => b.queue.size + b.blocked.size, {
        'messaging.system': hooks.system ?? 'isoflux',
        'messaging.destination.name': pattern,
      });
    }
    const signal = this.#options.signal;
    if (signal) {
      const onAbort = (): void => void this.unsubscribe();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#more().detachSignal = () => signal.removeEventListener('abort', onAbort);
    }
  }

  #more(): Backlog<T> {
    return (this.#backlog ??= new Backlog<T>());
  }

  /** Resolves once the transport registered interest. */
  get ready(): Promise<void> {
    return this.#listener?.ready ?? this.#hooks.ready ?? DONE;
  }

  /** Keeps the transport's registration of this subscription (its `ready`, and what `onClose` releases). */
  attach(listener: SubscriptionListener): void {
    this.#listener = listener;
  }

  /** What {@link attach} kept. */
  get listener(): SubscriptionListener | undefined {
    return this.#listener;
  }

  /** Resolves when the subscription has ended: with the error that ended it, or undefined. */
  get closed(): Promise<Error | undefined> {
    const b = this.#more();
    return (b.closed ??= b.ended ? Promise.resolve(b.closeReason) : new Promise((resolve) => (b.resolveClosed = resolve)));
  }

  /** The queue group this subscription belongs to, if any. */
  get queue(): string | undefined {
    return this.#options.queue;
  }

  /** Call once the transport has registered the subscription, so an already-aborted signal closes it. */
  start(): this {
    if (this.#options.signal?.aborted) void this.unsubscribe();
    return this;
  }

  get isClosed(): boolean {
    return (this.#flags & CLOSED) !== 0;
  }

  get stats(): SubscriptionStats {
    const b = this.#backlog;
    return { delivered: this.#delivered, dropped: b?.dropped ?? 0, failed: b?.failed ?? 0, pending: b === undefined ? 0 : b.queue.size + b.blocked.size };
  }

  /** True when a new message would have to wait or be dropped. */
  get isFull(): boolean {
    return this.#backlog !== undefined && this.#backlog.queue.size >= this.#capacity();
  }

  /** True when a new message would be handled at once. Lets queue groups prefer an idle member. */
  get isIdle(): boolean {
    return (this.#flags & BUSY) === 0 && (this.#backlog === undefined || this.#backlog.queue.size === 0);
  }

  #capacity(): number {
    return this.#options.bufferSize ?? 1024;
  }

  #overflow(): OverflowPolicy {
    return this.#options.overflow ?? 'block';
  }

  /** Emits a tap event about `message` (callers check `taps.active` first). */
  #tap(taps: Taps, kind: TapEvent['kind'], message: Message<T> | undefined, extra: Partial<TapEvent> = {}): void {
    taps.emit({
      kind,
      system: this.#hooks.system ?? 'isoflux',
      subject: message?.subject ?? this.pattern,
      id: message?.id,
      payload: kind === 'delivered' ? message?.payload : undefined,
      headers: message?.headers,
      pattern: this.pattern,
      queue: this.#options.queue,
      at: extra.at ?? tapClock(),
      ...extra,
    });
  }

  #info(): ConsumeInfo {
    const b = this.#more();
    return (b.info ??= { system: this.#hooks.system ?? 'isoflux', pattern: this.pattern, queue: this.#options.queue });
  }

  /**
   * Hands a message to this subscription. Returns a promise only when the `block` policy makes the
   * publisher wait; it rejects with `closed` if the subscription ends first.
   */
  deliver(message: Message<T>, tracker?: DeliveryTracker, signal?: AbortSignal): void | Promise<void> {
    // no flag set: a handler, idle (so nothing queued), open and not draining — one load decides it
    if (this.#flags === 0) {
      tracker?.add();
      this.#run(message, tracker);
      return;
    }
    return this.#deliverSlow(message, tracker, signal);
  }

  /** Everything but an idle handler: kept out of `deliver` so that stays small enough for V8 to inline. */
  #deliverSlow(message: Message<T>, tracker: DeliveryTracker | undefined, signal: AbortSignal | undefined): void | Promise<void> {
    if (this.#flags & (CLOSED | DRAINING)) return this.#drop(message, tracker);
    tracker?.add();
    const b = this.#more();
    // (a handler that is idle was taken by the fast path: here it is busy, or there is no handler)
    const reader = b.readers.shift();
    if (reader !== undefined) {
      this.#delivered++;
      tracker?.done();
      this.#taken(message);
      reader(message);
      return;
    }
    if (b.queue.size < this.#capacity()) {
      b.consecutiveDrops = 0;
      b.queue.push({ message, tracker });
      return;
    }
    const overflow = this.#overflow();
    switch (overflow) {
      case 'block':
        return parkPublisher(b.blocked, message, tracker, signal);
      case 'drop-oldest': {
        const oldest = b.queue.shift() as Pending<T>;
        b.queue.push({ message, tracker });
        this.#countDrop(oldest.message, oldest.tracker, 'overflow');
        return;
      }
      default:
        this.#countDrop(message, tracker, 'overflow');
        if (overflow === 'disconnect' && b.consecutiveDrops >= (this.#options.maxConsecutiveDrops ?? 100)) {
          void this.#close(new SlowConsumerError(this.pattern, b.consecutiveDrops));
        }
    }
  }

  /** Reports a message that could not be turned into a payload (decode or schema failure). */
  reportError(error: unknown, message?: Message<unknown>): void {
    this.#more().failed++;
    const taps = this.#hooks.taps;
    if (taps !== undefined && taps.active) this.#tap(taps, 'failed', message as Message<T> | undefined, { error, reason: errorCode(error) });
    (this.#options.onError ?? reportToConsole)(error, message);
  }

  /** A message offered after close or during a drain: never handled. */
  #drop(message: Message<T>, tracker: DeliveryTracker | undefined): void {
    this.#more().dropped++;
    this.#hooks.telemetry?.dropped(this.#info(), 'closed', this.#overflow());
    const taps = this.#hooks.taps;
    if (taps !== undefined && taps.active) this.#tap(taps, 'dropped', message, { reason: 'closed' });
    tracker?.add();
    tracker?.unhandled(this.#closedError());
    this.#callOnDrop(message, 'closed');
  }

  #countDrop(message: Message<T>, tracker: DeliveryTracker | undefined, reason: 'overflow' | 'closed'): void {
    const b = this.#more();
    b.dropped++;
    b.consecutiveDrops++;
    this.#hooks.telemetry?.dropped(this.#info(), reason, this.#overflow());
    const taps = this.#hooks.taps;
    if (taps !== undefined && taps.active) this.#tap(taps, 'dropped', message, { reason });
    tracker?.unhandled(reason === 'closed' ? this.#closedError() : new DroppedError(message.subject, this.pattern, this.#overflow()));
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
    this.#flags |= BUSY;
    for (;;) {
      this.#delivered++;
      let pending: PromiseLike<unknown> | undefined;
      let failed = false;
      try {
        const result = this.#hooks.observed === false ? handler(message) : this.#maybeObserve(handler, message);
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
      const b = this.#backlog;
      if (b === undefined || b.queue.size === 0) break;
      const next = this.#take();
      if (next === undefined) break;
      message = next.message;
      tracker = next.tracker;
    }
    this.#idle();
  }

  /** The handler call when the bus does not say it is unobserved: observed, or plain after a closer look. */
  #maybeObserve(handler: Handler<T>, message: Message<T>): unknown {
    return this.#observed() ? this.#observe(handler, message) : handler(message);
  }

  /** True when telemetry records or the bus is tapped: the handler then runs through {@link #observe}. */
  #observed(): boolean {
    const hooks = this.#hooks;
    const taps = hooks.taps;
    if (taps !== undefined && taps.active) return true;
    const telemetry = hooks.telemetry;
    return telemetry !== undefined && telemetry.enabled();
  }

  /** Runs the handler in a consumer span (when telemetry records) and reports delivered / failed with its run time to the taps. */
  #observe(handler: Handler<T>, message: Message<T>): unknown {
    const telemetry = this.#hooks.telemetry;
    const run = telemetry !== undefined && telemetry.enabled() ? () => (telemetry as Telemetry).process(message as Message<unknown>, this.#info(), () => handler(message)) : () => handler(message);
    const taps = this.#hooks.taps;
    if (taps === undefined || !taps.active) return run();
    const start = tapClock();
    const done = (error?: unknown): void => {
      const durationMs = tapClock() - start;
      // the hot tapped path: one literal, the same keys in the same order as #tap's
      if (error === undefined) taps.emit({ kind: 'delivered', system: this.#hooks.system ?? 'isoflux', subject: message.subject, id: message.id, payload: message.payload, headers: message.headers, pattern: this.pattern, queue: this.#options.queue, at: start, durationMs });
      else this.#tap(taps, 'failed', message, { at: start, durationMs, error, reason: errorCode(error) });
    };
    let result: unknown;
    try {
      result = run();
    } catch (error) {
      done(error ?? new Error('handler threw'));
      throw error;
    }
    if (result !== undefined && typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
      (result as PromiseLike<unknown>).then(
        () => done(),
        (error: unknown) => done(error ?? new Error('handler rejected')),
      );
    } else done();
    return result;
  }

  /** A message taken by `for await` or `fetch`. */
  #taken(message: Message<T>): void {
    const taps = this.#hooks.taps;
    if (taps !== undefined && taps.active) this.#tap(taps, 'delivered', message);
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
        const r = this.#hooks.observed === false ? handler(message) : this.#maybeObserve(handler, message);
        if (r !== undefined && typeof (r as PromiseLike<unknown> | null)?.then === 'function') result = r as PromiseLike<unknown>;
        else tracker?.done();
      } catch (error) {
        this.#fail(error, message, tracker);
      }
    }
  }

  #fail(error: unknown, message: Message<T>, tracker: DeliveryTracker | undefined): void {
    this.#more().failed++;
    tracker?.done(error);
    try {
      (this.#options.onError ?? reportToConsole)(error, message as Message<unknown>);
    } catch {
      // an onError that throws must not stop delivery
    }
  }

  #idle(): void {
    this.#flags &= ~BUSY;
    const b = this.#backlog;
    if (b === undefined) return;
    // caught up: whatever comes next is accepted, which ends any run of drops
    b.consecutiveDrops = 0;
    if (b.draining && b.queue.size === 0) b.draining();
  }

  /** Next queued delivery, refilled from a blocked publisher so it can return. */
  #take(): Pending<T> | undefined {
    const b = this.#backlog;
    if (this.#flags & CLOSED || b === undefined) return undefined;
    const next = b.queue.shift();
    const waiting = b.blocked.shift();
    if (waiting !== undefined) {
      b.queue.push(waiting);
      waiting.resolve();
    }
    if (this.#handler === undefined && b.draining && b.queue.size === 0) b.draining();
    return next;
  }

  async fetch(max: number, options: FetchOptions = {}): Promise<Message<T>[]> {
    if (this.#handler !== undefined) throw new InvalidArgumentError('fetch() is for subscriptions without a handler');
    if (!Number.isInteger(max) || max < 1) throw new InvalidArgumentError(`fetch(max): max must be a positive integer, got ${String(max)}`);
    const timeoutMs = fetchTimeoutMs(options);
    const batch: Message<T>[] = [];
    for (let p = this.#take(); p !== undefined; p = batch.length < max ? this.#take() : undefined) {
      this.#delivered++;
      p.tracker?.done();
      this.#taken(p.message);
      batch.push(p.message);
    }
    if (batch.length > 0 || this.#flags & CLOSED) return batch;
    const first = await awaitMessage(this.#more().readers, options.signal, timeoutMs);
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
          this.#taken(ready.message);
          return { value: ready.message, done: false };
        }
        const message = this.#flags & CLOSED ? undefined : await awaitMessage(this.#more().readers);
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

  /**
   * Ends the subscription because of `reason` (the transport refused or lost it): `reason` goes to `onError`
   * and `closed` resolves with it. For transports; an app calls `unsubscribe()`.
   */
  end(reason: Error): Promise<void> {
    return this.#close(reason);
  }

  drain(): Promise<void> {
    if (this.#flags & CLOSED) return this.closed.then(() => undefined);
    const b = this.#more();
    return (b.drained ??= this.#drain(b));
  }

  async #drain(b: Backlog<T>): Promise<void> {
    if (!(this.#flags & BUSY) && b.queue.size === 0) return this.#close(undefined);
    const drained = new Promise<void>((resolve) => {
      this.#flags |= DRAINING;
      b.draining = resolve;
    });
    try {
      await this.#hooks.onClose(this as BufferedSubscription<unknown>);
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
    if (this.#flags & CLOSED) return;
    this.#flags |= CLOSED;
    const b = this.#backlog;
    if (b !== undefined) {
      b.detachSignal?.();
      b.unobserve?.();
      for (const p of b.queue.clear()) this.#countDrop(p.message, p.tracker, 'closed');
      const closedError = reason ?? this.#closedError();
      for (const blocked of b.blocked.clear()) {
        this.#countDrop(blocked.message, blocked.tracker, 'closed');
        blocked.reject(closedError);
      }
      for (const r of b.readers.clear()) r(undefined);
    }
    try {
      if (reason !== undefined) this.reportError(reason);
    } catch {
      // a throwing onError must not keep the transport's interest registered
    }
    try {
      if (!(this.#flags & DRAINING)) await this.#hooks.onClose(this as BufferedSubscription<unknown>);
    } finally {
      const after = this.#more();
      after.closeReason = reason;
      after.ended = true;
      after.resolveClosed?.(reason);
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.unsubscribe();
  }
}

/** The `code` of an error, for tap events. */
function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
