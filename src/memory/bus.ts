/**
 * The in-process bus: the Go-channel replacement, and the reference implementation of the contract. Its
 * driver is the routing table; the front door (overloads, checks, signal, requests, close, wiretap) is the
 * kit's facade.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { newMessage } from '../core/message.js';
import { abortable } from '../core/abort.js';
import { DeliveryTracker } from '../core/settle.js';
import { nextId } from '../core/id.js';
import type { PublishOptions, SubscribeOptions } from '../core/interfaces.js';
import type { SubjectLimits } from '../core/subject.js';
import type { Telemetry } from '../core/telemetry.js';
import type { AnyTopics, TopicMap } from '../core/topics.js';
import { RouteTable, routeTarget, type Route } from '../core/route-table.js';
import type { StandardSchemaV1 } from '../core/schema.js';
import type { SchemaSubscribeOptions } from '../transport/options.js';
import { RequestBus } from '../transport/request-bus.js';
import { SubjectCheck } from '../transport/subject-check.js';
import type { Driver, Listener, SendOptions, Sink } from '../transport/driver.js';
import { clonePayload, freezePayload, type PayloadProtection } from './payload.js';

/** Options of a memory bus's `publish`. */
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
  /** Default timeout of `request` in ms when the call gives no `timeoutMs` (default 5000). */
  requestTimeoutMs?: number;
  /**
   * Bounds on subjects and patterns (default `DEFAULT_SUBJECT_LIMITS`: 4096 bytes, 2048 tokens — what
   * nats-server's control line carries). Longer ones are refused with `invalid_subject`.
   */
  subjectLimits?: SubjectLimits;
  /**
   * Validates every delivered payload (Standard Schema: zod, valibot, arktype …); a subscription's own
   * `schema` wins. Invalid: reported to `onError` as `invalid_payload`, never handled (a responder answers
   * the request with the reason); valid: handled as the schema's output. There is no `codec`: payloads are
   * passed by reference (or cloned), never turned into bytes, so a `codec` is refused with `invalid_argument`.
   */
  schema?: StandardSchemaV1;
}

/** Counters of a memory bus. */
export interface MemoryBusStats {
  readonly published: number;
  readonly subscriptions: number;
}

/**
 * An in-process bus with NATS subject semantics. `publish` resolves once every matching subscriber accepted
 * the message (immediately, unless a full buffer under the `block` policy makes it wait); delivery is
 * at-most-once and in publish order per subscriber.
 */
export class MemoryBus<M extends TopicMap = AnyTopics> extends RequestBus<M, MemoryPublishOptions, MemoryBusStats, SchemaSubscribeOptions> {
  constructor(options: MemoryBusOptions = {}) {
    const { payload = 'freeze' } = options;
    if (payload !== 'freeze' && payload !== 'clone' && payload !== 'shared')
      throw new InvalidArgumentError(`payload must be freeze, clone or shared, got ${String(payload)}`, 'payload');
    super(new MemoryDriver(payload, options.subjectLimits), options);
  }
}

const RESOLVED: Promise<void> = Promise.resolve();

/** The memory transport's wire: a routing table (subject trie, queue groups) and payload protection. */
class MemoryDriver implements Driver<MemoryPublishOptions> {
  readonly name = 'memory';
  readonly subjectRules: SubjectLimits | undefined;
  /** Checked here on a route-cache miss: a hit was checked when it was first routed. */
  readonly subjectCheck: SubjectCheck;
  readonly #routes = new RouteTable();
  readonly #protection: PayloadProtection;
  /** One listener for every subscription: an idle subscription costs no closure. */
  readonly #listener: Listener = { close: (sink) => this.#routes.remove(sink.pattern, sink.queue, sink) };

  constructor(protection: PayloadProtection, limits: SubjectLimits | undefined) {
    this.#protection = protection;
    this.subjectRules = limits;
    this.subjectCheck = new SubjectCheck(limits);
  }

  listen(pattern: string, queue: string | undefined, sink: Sink): Listener {
    this.#routes.add(pattern, queue, sink);
    return this.#listener;
  }

  interest(subject: string): boolean {
    return this.#routes.match(subject).length > 0;
  }

  send(subject: string, payload: unknown, options: SendOptions<MemoryPublishOptions> | undefined): Promise<void> {
    const routes = this.#routes.cached(subject);
    // the common case — a routed subject, no options, one recipient, nothing to copy — is all that is here,
    // so the facade's publish, this and the subscription's deliver stay small enough for V8 to inline
    if (routes !== undefined && options === undefined && routes.length === 1 && this.#protection !== 'clone') {
      const only = routeTarget(routes[0] as Route);
      return only === undefined ? RESOLVED : (only.deliver(newMessage(subject, payload, undefined, undefined, undefined)) ?? RESOLVED);
    }
    return this.#sendAny(subject, payload, options, routes);
  }

  #sendAny(subject: string, payload: unknown, options: SendOptions<MemoryPublishOptions> | undefined, cached: readonly Route[] | undefined): Promise<void> {
    let routes = cached;
    if (routes === undefined) {
      try {
        this.subjectCheck.assert(subject);
      } catch (error) {
        return Promise.reject(error);
      }
      routes = this.#routes.match(subject);
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
    if (routes.length === 0) return RESOLVED;
    if (routes.length > 1 && this.#protection === 'freeze') freezePayload(payload);
    // delivered here, not in a helper: one large function V8 compiles once, rather than a chain it may or
    // may not inline into the caller's loop (a fan-out ran 60% slower in the runs where it did)
    const signal = options?.signal;
    const tracker = options?.untilHandled ? new DeliveryTracker(subject) : undefined;
    const headers = options?.headers;
    const replyTo = options?.replyTo;
    const id = copies ? (options?.id ?? nextId()) : options?.id;
    let message = newMessage(subject, payload, headers, id, replyTo);
    let wait: Promise<void> | undefined;
    let waits: Array<Promise<void>> | undefined;
    for (let i = 0; i < routes.length; i++) {
      const target = routeTarget(routes[i] as Route);
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
}

/** Creates an in-process bus; pass a topic map for compile-time checked subjects and payloads. The public construction style. */
export function createMemoryBus<M extends TopicMap = AnyTopics>(options?: MemoryBusOptions): MemoryBus<M> {
  return new MemoryBus<M>(options);
}
