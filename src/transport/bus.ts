/**
 * The facade: one bus implementation in front of every driver. It owns the contract's front door, so each
 * transport gets the same overloads, checks, lifetimes, timeouts, telemetry and wiretap.
 * @module
 */
import { ClosedError } from '../core/errors.js';
import type { Consumer, Handler, PublishOptions, SubscribeOptions, Subscription } from '../core/interfaces.js';
import { subscribeArguments } from '../core/subscribe-args.js';
import { BufferedSubscription, type SubscriptionHooks } from '../core/subscription.js';
import type { StandardSchemaV1 } from '../core/schema.js';
import type { Telemetry } from '../core/telemetry.js';
import type { AnyTopics, PatternPayload, PayloadOf, PublishSubject, SubscribePattern, TopicMap } from '../core/topics.js';
import { TAP, Taps } from '../core/wiretap.js';
import type { Driver, SendOptions, Sink } from './driver.js';
import { checkBusOptions, checkSchema, checkSignal, checkValueOptions, type BusOptions, type SchemaSubscribeOptions } from './options.js';
import { SubjectCheck } from './subject-check.js';
import { sendObserved } from './observe.js';
import { ValidatingSubscription, type OnInvalid } from './validating-subscription.js';

/** Counters every facade-built bus has; a driver's own counters (`Driver.stats`) are merged in. */
export interface BusStats {
  /** Messages handed to the transport (publishes, requests and replies). */
  readonly published: number;
  /** Live subscriptions, draining ones included. */
  readonly subscriptions: number;
}

/**
 * A bus built by `createBus`: publish / subscribe, close, stats, the wiretap. `P` is the transport's
 * publish options, `S` its stats.
 */
export class TransportBus<M extends TopicMap = AnyTopics, P extends PublishOptions = PublishOptions, S extends BusStats = BusStats, O extends SubscribeOptions = SubscribeOptions> implements AsyncDisposable {
  /** Type-only: the topic map, for inference by helpers (see `Publisher['~topics']`). */
  declare readonly '~topics'?: M;
  /** The wiretap (see `tap` in `isoflux`). */
  readonly [TAP]: Taps = new Taps(() => this.#update());
  protected readonly driver: Driver<P, O>;
  readonly #label: string;
  readonly #check: SubjectCheck;
  /** The check `publish` applies: none when the driver checks on its route-cache misses ({@link Driver.subjectCheck}). */
  readonly #publishCheck: SubjectCheck | undefined;
  readonly #telemetry: Telemetry | undefined;
  readonly #onError: SubscribeOptions['onError'];
  /** {@link BusOptions.schema}, when the facade validates (the driver does not decode by itself: {@link Driver.decodes}). */
  readonly #schema: StandardSchemaV1 | undefined;
  readonly #subscriptions = new Set<Sink>();
  /** One hooks object for every subscription of this bus: an idle subscription costs no closure. */
  readonly #hooks: SubscriptionHooks;
  #published = 0;
  #closed = false;
  /**
   * Open, untapped, without telemetry, and the driver checks publish subjects itself: `publish` then goes
   * straight to `driver.send` (one flag decides it). Kept by `#update`.
   */
  #direct = false;
  /** As {@link #direct}, but with telemetry: `publish` goes straight to the driver while it does not record. */
  #directUnlessTraced: Telemetry | undefined;
  #detachSignal: (() => void) | undefined;
  /** The default request timeout ({@link BusOptions.requestTimeoutMs}). */
  protected readonly requestTimeoutMs: number;
  /** The bus's telemetry, for subclasses (see {@link BusOptions.telemetry}). */
  protected readonly telemetry: Telemetry | undefined;
  /** Subscriptions the facade made for itself (the request inbox): not counted in `stats`. */
  protected internalSubscriptions = 0;

  constructor(driver: Driver<P, O>, options: BusOptions = {}) {
    const { requestTimeoutMs } = checkBusOptions(options);
    // a decoding driver reads `codec` and `schema` itself (and validates on its own receive path)
    this.#schema = driver.decodes === true ? undefined : checkValueOptions(driver.name, options as BusOptions & { codec?: unknown });
    this.driver = driver;
    this.requestTimeoutMs = requestTimeoutMs;
    this.#label = `${driver.name} bus`;
    this.#check = driver.subjectCheck ?? new SubjectCheck(driver.subjectRules);
    this.#publishCheck = driver.subjectCheck === undefined ? this.#check : undefined;
    this.#telemetry = options.telemetry;
    this.telemetry = options.telemetry;
    this.#onError = options.onError;
    this.#hooks = { onClose: (sink) => this.#release(sink), telemetry: options.telemetry, system: driver.name, taps: this[TAP], observed: options.telemetry !== undefined };
    const signal = options.signal;
    // an already-aborted signal: closed from the start (nothing is open yet, so nothing to end)
    if (signal?.aborted) this.#closed = true;
    else if (signal !== undefined) {
      const onAbort = (): void => void this.close();
      signal.addEventListener('abort', onAbort, { once: true });
      // a long-lived signal must not keep closed buses alive
      this.#detachSignal = () => signal.removeEventListener('abort', onAbort);
    }
    this.#update();
    driver.attach?.({ taps: this[TAP], telemetry: options.telemetry, onError: options.onError });
  }

  /** Recomputes the hot-path flags after a change (close, a tap attached or detached). */
  #update(): void {
    const observed = this[TAP].active || this.#telemetry !== undefined;
    this.#hooks.observed = observed;
    this.#direct = !this.#closed && !observed && this.#publishCheck === undefined;
    this.#directUnlessTraced = !this.#closed && !this[TAP].active && this.#publishCheck === undefined ? this.#telemetry : undefined;
  }

  /** Counters: the facade's plus the driver's. */
  get stats(): S {
    const own: BusStats = { published: this.#published, subscriptions: this.#subscriptions.size - this.internalSubscriptions };
    return (this.driver.stats === undefined ? own : { ...own, ...this.driver.stats() }) as S;
  }

  /** True once `close()` was called. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Publishes `payload` to the literal `subject`; what "resolved" guarantees is the transport's. */
  publish<Sub extends PublishSubject<M>>(subject: Sub, payload: PayloadOf<M, Sub>, options?: P): Promise<void> {
    if (this.#direct || (this.#directUnlessTraced !== undefined && !this.#directUnlessTraced.enabled())) {
      this.#published++;
      return this.driver.send(subject, payload, options);
    }
    return this.#publish(subject, payload, options);
  }

  #publish(subject: string, payload: unknown, options: P | undefined): Promise<void> {
    if (this.#closed) return Promise.reject(this.closedError());
    const check = this.#publishCheck;
    if (check !== undefined && subject !== check.last) {
      try {
        check.literal(subject);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    this.#published++;
    if (this[TAP].active || this.#telemetry !== undefined) return sendObserved(this.driver, this[TAP], this.#telemetry, subject, payload, options as SendOptions<P> | undefined);
    return this.driver.send(subject, payload, options);
  }

  /** Sends for the facade itself (requests, replies): checked and observed like a publish. */
  protected send(subject: string, payload: unknown, options: SendOptions<P> | undefined, traced: boolean): Promise<void> {
    if (this.#closed) return Promise.reject(this.closedError());
    if (subject !== this.#check.last) this.#check.literal(subject);
    this.#published++;
    if (!this[TAP].active && (!traced || this.#telemetry === undefined)) return this.driver.send(subject, payload, options);
    return sendObserved(this.driver, this[TAP], traced ? this.#telemetry : undefined, subject, payload, options);
  }

  /** Checks a literal subject the facade was given (throws `invalid_subject`). */
  protected checkSubject(subject: string): void {
    if (subject !== this.#check.last) this.#check.literal(subject);
  }

  subscribe<Pat extends string>(pattern: SubscribePattern<M, Pat>, handler: Handler<PatternPayload<M, Pat>>, options?: O): Subscription<PatternPayload<M, Pat>>;
  subscribe<Pat extends string>(pattern: SubscribePattern<M, Pat>, options?: O): Subscription<PatternPayload<M, Pat>> & Consumer<PatternPayload<M, Pat>>;
  subscribe<Pat extends string>(
    pattern: SubscribePattern<M, Pat>,
    handlerOrOptions?: Handler<PatternPayload<M, Pat>> | O,
    maybeOptions?: O,
  ): BufferedSubscription<PatternPayload<M, Pat>> {
    return this.subscribeWith(pattern, handlerOrOptions as Handler<never> | O | undefined, maybeOptions, undefined) as BufferedSubscription<PatternPayload<M, Pat>>;
  }

  /** `subscribe`, with what to do after an invalid message was reported (`respond` answers the request). */
  protected subscribeWith(pattern: string, handlerOrOptions: Handler<never> | O | undefined, maybeOptions: O | undefined, onInvalid: OnInvalid | undefined): Sink {
    if (this.#closed) throw this.closedError();
    const { handler, options } = subscribeArguments(pattern, handlerOrOptions, maybeOptions, this.#onError, this.driver.subjectRules);
    checkSignal('signal', options?.signal);
    // the subscription's own schema wins; a decoding driver validates by itself
    const schema = this.driver.decodes === true ? undefined : (checkSchema('schema', (options as SchemaSubscribeOptions | undefined)?.schema) ?? this.#schema);
    return this.listen(pattern, handler, options, this.#hooks, schema, onInvalid);
  }

  /**
   * Makes a subscription, registers it with the driver and tracks it until it ends. With `schema` it
   * validates what the driver delivers (see {@link ValidatingSubscription}); without, it is a plain one.
   */
  protected listen(pattern: string, handler: Handler<never> | undefined, options: O | undefined, hooks: SubscriptionHooks, schema?: StandardSchemaV1, onInvalid?: OnInvalid): Sink {
    const sink =
      schema === undefined
        ? new BufferedSubscription<unknown>(pattern, handler as Handler<unknown> | undefined, options, hooks)
        : new ValidatingSubscription(pattern, handler as Handler<unknown> | undefined, options, hooks, schema, onInvalid);
    let listener;
    try {
      listener = this.driver.listen(pattern, options?.queue, sink, options);
    } catch (error) {
      // undoes the signal binding; nothing was registered, so onClose has nothing to release
      void sink.unsubscribe();
      throw error;
    }
    sink.attach(listener);
    this.#subscriptions.add(sink);
    const ready = listener.ready;
    if (ready !== undefined) {
      // ends it with the reason (reported to onError once; `closed` resolves with it), unless the driver already did
      ready.catch((error: unknown) => void (sink.isClosed || sink.end(error instanceof Error ? error : new Error(String(error)))));
    }
    return sink.start();
  }

  /** A subscription stops receiving (unsubscribe, drain, abort): the driver releases it; it is forgotten once it ended. */
  #release(sink: Sink): void | Promise<void> {
    const listener = sink.listener;
    if (listener === undefined || !this.#subscriptions.has(sink)) return;
    void sink.closed.then(() => this.#subscriptions.delete(sink));
    return listener.close(sink);
  }

  /** The error of a call on a closed bus. */
  protected closedError(): ClosedError {
    return new ClosedError(this.#label);
  }

  /**
   * Ends the bus: pending requests reject with `closed`, the driver flushes accepted sends, every subscription
   * ends (iterators finish, waiting publishers reject with `closed`), then the driver closes. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#update();
    this.#detachSignal?.();
    this.beforeClose();
    await this.driver.flush?.();
    await Promise.all([...this.#subscriptions].map((s) => s.unsubscribe()));
    await this.driver.close?.();
  }

  /** Hook for subclasses: runs first in `close()`. */
  protected beforeClose(): void {}

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
