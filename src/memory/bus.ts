/**
 * The in-process bus: the Go-channel replacement, and the reference implementation of the contract.
 * @module
 */
import { PendingRequests } from '../core/pending-requests.js';
import { subscribeArguments } from '../core/subscribe-args.js';
import { ClosedError, NoRespondersError, AbortedError, InvalidArgumentError } from '../core/errors.js';
import { createMessage, newMessage, type Message } from '../core/message.js';
import { assertSubject, type SubjectLimits } from '../core/subject.js';
import { BufferedSubscription, type SubscriptionHooks } from '../core/subscription.js';
import { abortable } from '../core/abort.js';
import { DeliveryTracker } from '../core/settle.js';
import { answering, unwrapReply } from '../core/reply.js';
import { nextId } from '../core/id.js';
import type { Consumer, Handler, PublishOptions, Publisher, RequestOptions, Requester, Responder, SubscribeOptions, Subscriber, Subscription } from '../core/interfaces.js';
import { publishWithTelemetry, type Telemetry } from '../core/telemetry.js';
import type { AnyTopics, PatternPayload, PayloadOf, PublishSubject, SubscribePattern, TopicMap } from '../core/topics.js';
import { clonePayload, freezePayload, type PayloadProtection } from './payload.js';
import { RouteTable, routeTarget, type Route } from '../core/route-table.js';

/** Options of {@link MemoryBus.publish}. */
export interface MemoryPublishOptions extends PublishOptions {
  /**
   * Resolve only after every matching handler finished (rejects with `handler_failed` if any threw).
   * For tests and transactional flows. Default: resolve once every subscriber accepted the message.
   */
  untilHandled?: boolean;
}

/** Options of {@link createMemoryBus}. */
export interface MemoryBusOptions {
  /** How payloads are protected from mutation by subscribers (default `freeze`). */
  payload?: PayloadProtection;
  /** Default `onError` for subscriptions that give none. */
  onError?: SubscribeOptions['onError'];
  /** Closes the bus when aborted. */
  signal?: AbortSignal;
  /** Records spans and metrics (see `isoflux/otel`). */
  telemetry?: Telemetry;
  /**
   * Bounds on subjects and patterns (default `DEFAULT_SUBJECT_LIMITS`: 4096 bytes, 2048 tokens — what
   * nats-server's control line carries). Longer ones are refused with `invalid_subject`.
   */
  subjectLimits?: SubjectLimits;
}

/** Counters of a memory bus. */
export interface MemoryBusStats {
  readonly published: number;
  readonly subscriptions: number;
}


const RESOLVED: Promise<void> = Promise.resolve();
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/**
 * An in-process bus with NATS subject semantics. `publish` resolves once every matching subscriber accepted
 * the message (immediately, unless a full buffer under the `block` policy makes it wait); delivery is
 * at-most-once and in publish order per subscriber.
 */
export class MemoryBus<M extends TopicMap = AnyTopics>
  implements Publisher<M, MemoryPublishOptions>, Subscriber<M>, Requester<M>, Responder<M>, AsyncDisposable
{
  /** Type-only: the topic map, for inference by helpers (see `Publisher['~topics']`). */
  declare readonly '~topics'?: M;
  readonly #routes = new RouteTable();
  /** Subscriptions that left the routes but have not ended yet (draining); the routed ones are in #routes. */
  readonly #leaving = new Set<BufferedSubscription<unknown>>();
  #subscriptionCount = 0;
  /** Subscriptions already taken out of the routing table (they may still be draining). */
  readonly #unrouted = new WeakSet<BufferedSubscription<unknown>>();
  readonly #requests = new PendingRequests(nextId());
  readonly #protection: PayloadProtection;
  readonly #onError: SubscribeOptions['onError'];
  readonly #literal: { wildcards: false } & SubjectLimits;
  readonly #limits: SubjectLimits | undefined;
  readonly #telemetry: Telemetry | undefined;
  #published = 0;
  #detachSignal: (() => void) | undefined;
  #closed = false;

  constructor(options: MemoryBusOptions = {}) {
    const { payload = 'freeze' } = options;
    if (payload !== 'freeze' && payload !== 'clone' && payload !== 'shared') throw new InvalidArgumentError(`payload must be freeze, clone or shared, got ${String(payload)}`);
    this.#protection = payload;
    this.#onError = options.onError;
    this.#limits = options.subjectLimits;
    this.#literal = { ...options.subjectLimits, wildcards: false };
    // a bad limit is refused now, not at the first publish
    if (this.#limits) assertSubject('limits.check', this.#literal);
    this.#telemetry = options.telemetry;
    this.#hooks.telemetry = options.telemetry;
    const signal = options.signal;
    if (signal !== undefined) {
      const onAbort = (): void => void this.close();
      signal.addEventListener('abort', onAbort, { once: true });
      // a long-lived signal must not keep closed buses alive
      this.#detachSignal = () => signal.removeEventListener('abort', onAbort);
    }
  }

  /** Counters. */
  get stats(): MemoryBusStats {
    return { published: this.#published, subscriptions: this.#subscriptionCount };
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  publish<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: MemoryPublishOptions): Promise<void> {
    if (this.#telemetry?.enabled()) return this.#publishTraced(subject, payload, options, undefined, this.#telemetry);
    return this.#publish(subject, payload, options, undefined);
  }

  #publishTraced(subject: string, payload: unknown, options: MemoryPublishOptions | undefined, replyTo: string | undefined, telemetry: Telemetry): Promise<void> {
    const id = options?.id ?? nextId();
    return publishWithTelemetry(telemetry, { system: 'memory', subject, id }, options?.headers, (headers) =>
      this.#publish(subject, payload, { ...options, id, headers }, replyTo),
    );
  }

  #publish(subject: string, payload: unknown, options: MemoryPublishOptions | undefined, replyTo: string | undefined): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('MemoryBus'));
    let routes = this.#routes.cached(subject);
    if (routes === undefined) {
      if (typeof subject === 'string' && subject.startsWith(this.#requests.prefix)) return this.#reply(subject, payload, options);
      try {
        assertSubject(subject, this.#literal);
      } catch (error) {
        return Promise.reject(error);
      }
      routes = this.#routes.match(subject);
    }
    // the common case — no options, one recipient, nothing to copy — skips every optional step below
    if (options === undefined && routes.length === 1 && this.#protection !== 'clone') {
      this.#published++;
      const only = routeTarget(routes[0] as Route);
      return only === undefined ? RESOLVED : (only.deliver(newMessage(subject, payload, undefined, undefined, replyTo)) ?? RESOLVED);
    }
    let copies: unknown[] | undefined;
    if (this.#protection === 'clone') {
      try {
        // one copy per recipient, all made before any delivery: a value that cannot be cloned is refused
        // whole (even with nobody listening, as the cross-tab transports would refuse it)
        copies = Array.from({ length: Math.max(routes.length, 1) }, () => clonePayload(payload));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    this.#published++;
    if (routes.length === 0) return RESOLVED;
    if (routes.length > 1 && this.#protection === 'freeze') freezePayload(payload);
    const signal = options?.signal;
    const tracker = options?.untilHandled ? new DeliveryTracker(subject) : undefined;
    const headers = options?.headers;
    const id = copies ? (options?.id ?? nextId()) : options?.id;
    let message = newMessage(subject, payload, headers, id, replyTo);
    let wait: Promise<void> | undefined;
    let waits: Array<Promise<void>> | undefined;
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i] as Route;
      const target = routeTarget(route);
      if (target === undefined) continue;
      if (copies) message = newMessage(subject, copies[i], headers, id, replyTo);
      const blocked = target.deliver(message, tracker, signal);
      if (blocked === undefined) continue;
      // one blocked subscriber (the usual case) needs no array and no Promise.all
      if (wait === undefined) wait = blocked;
      else (waits ??= [wait]).push(blocked);
    }
    if (tracker !== undefined) {
      tracker.seal();
      const all = waits ?? (wait ? [wait] : undefined);
      return abortable(all ? Promise.all([...all, tracker.promise]).then(() => undefined) : tracker.promise, signal, 'publish');
    }
    if (waits !== undefined) return Promise.all(waits).then(() => undefined);
    return wait ?? RESOLVED;
  }

  subscribe<P extends string>(pattern: SubscribePattern<M, P>, handler: Handler<PatternPayload<M, P>>, options?: SubscribeOptions): Subscription<PatternPayload<M, P>>;
  subscribe<P extends string>(pattern: SubscribePattern<M, P>, options?: SubscribeOptions): Subscription<PatternPayload<M, P>> & Consumer<PatternPayload<M, P>>;
  subscribe<P extends string>(
    pattern: SubscribePattern<M, P>,
    handlerOrOptions?: Handler<PatternPayload<M, P>> | SubscribeOptions,
    maybeOptions?: SubscribeOptions,
  ): BufferedSubscription<PatternPayload<M, P>> {
    if (this.#closed) throw new ClosedError('MemoryBus');
    const { handler, options } = subscribeArguments(pattern, handlerOrOptions, maybeOptions, this.#onError, this.#limits);
    const subscription = new BufferedSubscription<PatternPayload<M, P>>(pattern, handler, options, this.#hooks);
    this.#subscriptionCount++;
    this.#routes.add(pattern, options?.queue, subscription as BufferedSubscription<unknown>);
    return subscription.start();
  }

  /** One hooks object for every subscription of this bus: an idle subscription costs no closure. */
  readonly #hooks: SubscriptionHooks = {
    onClose: (subscription) => this.#remove(subscription),
    telemetry: undefined,
    system: 'memory',
  };

  #remove(subscription: BufferedSubscription<unknown>): void {
    if (this.#unrouted.has(subscription)) return;
    this.#unrouted.add(subscription);
    // a draining subscription stops receiving now but stays known until it has ended, so close() ends it too
    this.#leaving.add(subscription);
    void subscription.closed.then(() => {
      this.#leaving.delete(subscription);
      this.#subscriptionCount--;
    });
    this.#routes.remove(subscription.pattern, subscription.queue, subscription);
  }

  async request<R = unknown, S extends PublishSubject<M> = PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options: RequestOptions = {}): Promise<Message<R>> {
    if (this.#closed) throw new ClosedError('MemoryBus');
    assertSubject(subject, this.#literal);
    const { timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, signal } = options;
    if (this.#routes.match(subject).length === 0) throw new NoRespondersError(subject);
    if (signal?.aborted) throw new AbortedError(`request on ${JSON.stringify(subject)}`, signal.reason);
    const open = this.#requests.open(subject, timeoutMs, signal);
    try {
      // `over` withdraws a publish still parked on backpressure once the request ended (timeout, abort, close)
      const sending = { ...options, signal: open.over };
      if (this.#telemetry?.enabled()) await this.#publishTraced(subject, payload, sending, open.replyTo, this.#telemetry);
      else await this.#publish(subject, payload, sending, open.replyTo);
    } catch (error) {
      open.fail(error as Error);
    }
    return unwrapReply((await open.reply) as Message<R>, subject);
  }

  #reply(replyTo: string, payload: unknown, options: PublishOptions | undefined): Promise<void> {
    // a late or duplicate reply has nobody waiting: like NATS, it is dropped
    if (!this.#requests.isWaiting(replyTo)) return RESOLVED;
    const reply = this.#protection === 'clone' ? clonePayload(payload) : payload;
    this.#requests.resolve(replyTo, createMessage({ subject: replyTo, payload: reply, headers: options?.headers, id: options?.id }));
    return RESOLVED;
  }

  respond<P extends string, R = unknown>(
    pattern: SubscribePattern<M, P>,
    handler: (message: Message<PatternPayload<M, P>>) => R | Promise<R>,
    options?: SubscribeOptions,
  ): Subscription<PatternPayload<M, P>> {
    return this.subscribe(pattern, answering(handler, (replyTo, result, headers) => this.#reply(replyTo, result, { headers })), options);
  }

  /** Ends every subscription (iterators finish, waiting publishers and requests reject with `closed`). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#detachSignal?.();
    const error = new ClosedError('MemoryBus');
    this.#requests.failAll(error);
    await Promise.all([...this.#routes.subscriptions(), ...this.#leaving].map((s) => s.unsubscribe()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Creates an in-process bus; pass a topic map for compile-time checked subjects and payloads. */
export function createMemoryBus<M extends TopicMap = AnyTopics>(options?: MemoryBusOptions): MemoryBus<M> {
  return new MemoryBus<M>(options);
}
