/**
 * The NATS core transport: publish/subscribe, queue groups and request/reply over a connection the caller owns.
 * @module
 */
import { subscribeArguments } from '../core/subscribe-args.js';
import type { Msg, NatsConnection, Subscription as NatsSubscription_ } from '@nats-io/nats-core';
import { jsonCodec, type Codec } from '../core/codec.js';
import { AbortedError, ClosedError, InvalidArgumentError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { Consumer, Handler, PublishOptions, Publisher, RequestOptions, Requester, Responder, SubscribeOptions, Subscriber, Subscription } from '../core/interfaces.js';
import { createMessage, type Headers, type Message } from '../core/message.js';
import { ERROR_CODE_HEADER, answering, errorReplyHeaders, unwrapReply } from '../core/reply.js';
import type { StandardSchemaV1 } from '../core/schema.js';
import { assertSubject } from '../core/subject.js';
import { abortable } from '../core/abort.js';
import { publishWithTelemetry, type Telemetry } from '../core/telemetry.js';
import type { AnyTopics, PatternPayload, PayloadOf, PublishSubject, SubscribePattern, TopicMap } from '../core/topics.js';
import { RequestRejectedError } from './errors.js';
import { checkPublishLine, checkSubscribeLine, replyLength, requestReplyLength, resolveMaxControlLine } from './limits.js';
import { createReceiver } from './receive.js';
import { NatsSubscription, refusalWatch } from './refusal.js';
import { assertOpen, decodePayload, encodeBare, encodeForNats, encodeMessage, fromNatsError, fromNatsHeaders, headerBytes, toNatsHeaders, type EncodedMessage } from './wire.js';

/** Options of {@link createNatsBus}. */
export interface NatsBusOptions {
  /** Turns payloads into bytes and back (default `jsonCodec()`). Publishers and subscribers must agree. */
  codec?: Codec<unknown>;
  /** Validates every received payload (Standard Schema: zod, valibot, arktype …); a subscription's own `schema` wins. */
  schema?: StandardSchemaV1;
  /** Default `onError` for subscriptions that give none. */
  onError?: SubscribeOptions['onError'];
  /** Default request timeout (5000 ms). */
  requestTimeoutMs?: number;
  /** Closes the bus (not the connection) when aborted. */
  signal?: AbortSignal;
  /**
   * `always` (default): every message carries an id in `Nats-Msg-Id` (one is generated when you give none),
   * so all subscribers, logs and a JetStream stream capturing the subject see the same id.
   * `explicit`: only messages published with an `id` or `headers` carry a header block; the others go as
   * bare NATS messages (receivers make up a local id). Measured on one WebSocket connection: the header
   * block costs nats-core about half of its raw publish→subscribe throughput (measured: bench nats/pubsub).
   */
  messageIds?: 'always' | 'explicit';
  /**
   * Records producer spans for publishes and requests (`publish <subject>`, W3C trace context added to the
   * NATS headers) and consumer spans, linked to them, for handled messages; see `isoflux/otel`.
   */
  telemetry?: Telemetry;
  /**
   * The server's `max_control_line` in bytes (nats-server's default 4096; the server does not announce it).
   * A publish, request or subscription whose protocol line would be longer is refused with `invalid_subject`
   * before anything is sent: the server would close the whole connection, and nats-core would re-send an
   * over-long subscription on every reconnect. Set it to the server's value when you raise it there.
   */
  maxControlLine?: number;
}

/** Options of {@link NatsBus.subscribe} and {@link NatsBus.respond}. */
export interface NatsSubscribeOptions extends SubscribeOptions {
  /** Validates received payloads; invalid ones are reported (`invalid_payload`) and never reach the handler. */
  schema?: StandardSchemaV1;
}

const RESOLVED: Promise<void> = Promise.resolve();
const EMPTY = new Uint8Array(0);
/** Encodes the `undefined` a responder returns as an empty body. */
const EMPTY_CODEC: Codec<unknown> = { name: 'empty', encode: () => EMPTY, decode: () => undefined };
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
/** Remote error codes that mean the responder could not read the request: the requester gets the same code. */
const REQUEST_NOT_READ: ReadonlySet<string> = new Set(['decode_failed', 'invalid_payload']);

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** The inbox prefix nats-core puts in front of request reply subjects (`_INBOX` unless configured). */
function inboxPrefixOf(nc: NatsConnection): string {
  const prefix = (nc as { options?: { inboxPrefix?: unknown } }).options?.inboxPrefix;
  return typeof prefix === 'string' && prefix.length > 0 ? prefix : '_INBOX';
}

/**
 * Delivery guarantee: **at-most-once**. `publish` resolves once the message is in the connection's outbound
 * buffer — not when a server or subscriber has it. A message published while the connection is down (between
 * `disconnect` and `reconnect`) is lost: nats-core does not keep it for the next connection. Subscriptions
 * survive reconnects (nats-core subscribes again), but messages published while they were away are not
 * replayed. Use the jetstream transport (or the outbox) when a message must not be lost.
 *
 * Per subscription, messages arrive in publish order from one publisher. The server cannot be slowed down:
 * a full buffer under the `block` policy keeps the extra messages in memory; prefer `drop-oldest` or
 * `disconnect` for a subscriber that may fall behind.
 */
export class NatsBus<M extends TopicMap = AnyTopics>
  implements Publisher<M>, Subscriber<M, NatsSubscribeOptions>, Requester<M>, Responder<M, NatsSubscribeOptions>, AsyncDisposable
{
  /** Type-only: the topic map, for inference by helpers (see `Publisher['~topics']`). */
  declare readonly '~topics'?: M;
  /** The connection this bus publishes on; owned by the caller, never closed by the bus. */
  readonly connection: NatsConnection;
  readonly #codec: Codec<unknown>;
  readonly #schema: StandardSchemaV1 | undefined;
  readonly #onError: SubscribeOptions['onError'];
  readonly #requestTimeoutMs: number;
  readonly #explicitIds: boolean;
  readonly #telemetry: Telemetry | undefined;
  readonly #maxControlLine: number;
  readonly #subscriptions = new Set<NatsSubscription<unknown>>();
  /** Rejects when the bus closes, so waiting requests end with `closed`. */
  readonly #closing: Promise<never>;
  #rejectClosing!: (error: Error) => void;
  #closed = false;

  constructor(nc: NatsConnection, options: NatsBusOptions = {}) {
    this.connection = nc;
    this.#codec = options.codec ?? jsonCodec();
    this.#schema = options.schema;
    this.#onError = options.onError;
    const { messageIds = 'always' } = options;
    if (messageIds !== 'always' && messageIds !== 'explicit') throw new InvalidArgumentError(`messageIds must be always or explicit, got ${String(messageIds)}`);
    this.#explicitIds = messageIds === 'explicit';
    this.#telemetry = options.telemetry;
    this.#maxControlLine = resolveMaxControlLine(options.maxControlLine);
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!(this.#requestTimeoutMs > 0)) throw new InvalidArgumentError(`requestTimeoutMs must be positive, got ${String(options.requestTimeoutMs)}`);
    this.#closing = new Promise<never>((_, reject) => (this.#rejectClosing = reject));
    this.#closing.catch(() => undefined);
    options.signal?.addEventListener('abort', () => void this.close(), { once: true });
    void nc.closed().then(() => this.close());
  }

  /** True once closed (by `close()`, its signal, or because the connection closed). */
  get isClosed(): boolean {
    return this.#closed;
  }

  #assertUsable(): void {
    if (this.#closed) throw new ClosedError('NatsBus');
    assertOpen(this.connection);
  }

  /** Encodes and hands one message to nats-core; throws typed errors, nothing is sent when it throws. */
  #send(subject: string, payload: unknown, options: PublishOptions | undefined, reply: string | undefined): void {
    this.#assertUsable();
    assertSubject(subject, { wildcards: false, maxBytes: this.#maxControlLine });
    if (options?.signal?.aborted) throw new AbortedError('publish', options.signal.reason);
    const bare = this.#explicitIds && options?.id === undefined && options?.headers === undefined;
    const encoded = bare ? encodeBare(this.connection, this.#codec, payload) : encodeMessage(this.connection, this.#codec, payload, options?.id ?? nextId(), options?.headers);
    this.#checkLine(subject, reply, encoded);
    const { data, headers } = encoded;
    try {
      this.connection.publish(subject, data, reply === undefined ? { headers } : { headers, reply });
    } catch (error) {
      throw fromNatsError(error, subject, 'publish', 0);
    }
  }

  /** Throws `invalid_subject` when the `PUB`/`HPUB` line for this message would exceed `maxControlLine`. */
  #checkLine(subject: string, reply: string | undefined, { data, headerLength: block }: EncodedMessage): void {
    checkPublishLine(this.#maxControlLine, subject, reply === undefined ? 0 : replyLength(reply), block, data.length + (block ?? 0));
  }

  /**
   * Publishes to the literal `subject`. Resolves once the message is queued on the connection (at-most-once:
   * see the class notes); rejects, sending nothing, with `invalid_subject`, `not_serializable`,
   * `payload_too_large` (over the server's `max_payload`, headers included) or `closed`. A subject whose
   * protocol line would exceed the server's `max_control_line` is `invalid_subject` (see `maxControlLine`).
   */
  publish<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: PublishOptions): Promise<void> {
    try {
      if (this.#telemetry?.enabled()) return this.#publishTraced(subject, payload, options, this.#telemetry);
      this.#send(subject, payload, options, undefined);
    } catch (error) {
      return Promise.reject(error);
    }
    return RESOLVED;
  }

  /** Kept out of `publish` so the untraced path allocates nothing for telemetry. */
  #publishTraced(subject: string, payload: unknown, options: PublishOptions | undefined, telemetry: Telemetry): Promise<void> {
    const id = options?.id ?? nextId();
    return publishWithTelemetry(telemetry, { system: 'nats', subject, id }, options?.headers, (headers) => {
      this.#send(subject, payload, { ...options, id, headers }, undefined);
      return RESOLVED;
    });
  }

  /**
   * Subscribes on the server (wildcards and queue groups are NATS's own). `ready` resolves once the server
   * registered the interest (a round trip), so a publish after `await sub.ready` is seen.
   */
  subscribe<P extends string>(pattern: SubscribePattern<M, P>, handler: Handler<PatternPayload<M, P>>, options?: NatsSubscribeOptions): Subscription<PatternPayload<M, P>>;
  subscribe<P extends string>(pattern: SubscribePattern<M, P>, options?: NatsSubscribeOptions): Subscription<PatternPayload<M, P>> & Consumer<PatternPayload<M, P>>;
  subscribe<P extends string>(
    pattern: SubscribePattern<M, P>,
    handlerOrOptions?: Handler<PatternPayload<M, P>> | NatsSubscribeOptions,
    maybeOptions?: NatsSubscribeOptions,
  ): NatsSubscription<PatternPayload<M, P>> {
    return this.#subscribe(pattern, handlerOrOptions, maybeOptions, undefined);
  }

  #subscribe<T>(pattern: string, handlerOrOptions: Handler<T> | NatsSubscribeOptions | undefined, maybeOptions: NatsSubscribeOptions | undefined, onRejected: ((msg: Msg, error: unknown) => void) | undefined): NatsSubscription<T> {
    this.#assertUsable();
    const { handler, options } = subscribeArguments(pattern, handlerOrOptions, maybeOptions, this.#onError, { maxBytes: this.#maxControlLine });
    const queue = options?.queue;
    checkSubscribeLine(this.#maxControlLine, pattern, queue);
    const nc = this.connection;
    let subscription: NatsSubscription<T> | undefined;
    const callback = createReceiver(() => subscription as NatsSubscription<T>, this.#codec, options?.schema ?? this.#schema, onRejected);
    let natsSub: NatsSubscription_;
    try {
      natsSub = nc.subscribe(pattern, queue === undefined ? { callback } : { callback, queue });
    } catch (error) {
      throw fromNatsError(error, pattern, 'subscribe', 0);
    }
    const answered = nc.flush();
    // the server answers a refused SUB with -ERR before its PONG; nats-core's status stream reports that -ERR
    // after the flush resolved, but within the same macrotask, so the verdict is in one macrotask later
    const ready = answered.then(nextMacrotask).then(
      () => {
        const refusal = subscription?.refusal;
        if (refusal !== undefined) throw refusal;
      },
      (error: unknown) => {
        throw fromNatsError(error, pattern, 'subscribe', 0);
      },
    );
    ready.catch(() => undefined);
    subscription = new NatsSubscription<T>(pattern, handler, options, {
      ready,
      telemetry: this.#telemetry,
      system: 'nats',
      onClose: () => {
        this.#subscriptions.delete(subscription as NatsSubscription<unknown>);
        // also after a refusal: nats-core must forget it, or it would send it again on every reconnect
        if (!nc.isClosed()) natsSub.unsubscribe();
      },
    });
    const report = options?.onError ?? this.#onError;
    refusalWatch(nc).track(subscription as NatsSubscription<unknown>, answered, (error) => report?.(error));
    this.#subscriptions.add(subscription as NatsSubscription<unknown>);
    return subscription.start();
  }

  /**
   * Sends a request and waits for the first reply. Rejects with `no_responders` at once when nobody
   * subscribes to `subject`, `timeout` after `timeoutMs` (default 5000) when nobody answers, `remote_error`
   * when the responder threw, `decode_failed` / `invalid_payload` when an isoflux responder could not
   * decode or validate the request (it answers at once instead of staying silent),  `aborted` on the signal, `closed` when the bus or connection closes.
   */
  async request<R = unknown, S extends PublishSubject<M> = PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options: RequestOptions = {}): Promise<Message<R>> {
    this.#assertUsable();
    assertSubject(subject, { wildcards: false, maxBytes: this.#maxControlLine });
    const { timeoutMs = this.#requestTimeoutMs, signal } = options;
    const what = `request on ${JSON.stringify(subject)}`;
    if (signal?.aborted) throw new AbortedError(what, signal.reason);
    const id = options.id ?? nextId();
    const replyBytes = requestReplyLength(inboxPrefixOf(this.connection));
    const ask = (headers: Headers | undefined): Promise<Msg> => {
      const data = encodeForNats(this.connection, this.#codec, payload, id, headers);
      const total = data.length + headerBytes(id, headers);
      // nats-core writes the header length too; its digits never outnumber the total's
      checkPublishLine(this.#maxControlLine, subject, replyBytes, total, total);
      const sent = this.connection.request(subject, data, { timeout: timeoutMs, headers: toNatsHeaders(id, headers) });
      return abortable(Promise.race([sent, this.#closing]), signal, what);
    };
    let reply: Msg;
    try {
      reply = await (this.#telemetry?.enabled() ? publishWithTelemetry(this.#telemetry, { system: 'nats', subject, id }, options.headers, ask) : ask(options.headers));
    } catch (error) {
      throw fromNatsError(error, subject, what, timeoutMs);
    }
    const { headers, id: replyId } = fromNatsHeaders(reply.headers);
    const remoteCode = headers[ERROR_CODE_HEADER];
    if (remoteCode !== undefined && REQUEST_NOT_READ.has(remoteCode)) throw new RequestRejectedError(subject, remoteCode as 'decode_failed' | 'invalid_payload', headers);
    if (remoteCode !== undefined) unwrapReply(createMessage({ subject: reply.subject, payload: undefined, headers }), subject);
    // a responder that returned nothing sends an empty body; a codec that cannot read empty input gives `undefined`
    let value: R | undefined;
    try {
      value = await decodePayload<R>(this.#codec, undefined, reply.data, reply.subject);
    } catch (error) {
      if (reply.data.length > 0) throw error;
    }
    return createMessage({ subject: reply.subject, payload: value as R, headers, id: replyId });
  }

  /**
   * Answers requests on `pattern`: the handler's return value is the reply; a thrown error reaches the
   * requester as `remote_error` (and is also reported to `onError`). Use `queue` to spread requests over
   * several responders.
   */
  respond<P extends string, R = unknown>(
    pattern: SubscribePattern<M, P>,
    handler: (message: Message<PatternPayload<M, P>>) => R | Promise<R>,
    options?: NatsSubscribeOptions,
  ): Subscription<PatternPayload<M, P>> {
    const onRejected = (msg: Msg, error: unknown): void => {
      // the handler never runs for a request that cannot be read: answer with the reason rather than silence
      if (msg.reply) this.#replyError(msg.reply, error);
    };
    return this.#subscribe(pattern, answering(handler, (replyTo, result, headers) => this.#reply(replyTo, result, headers)), options, onRejected);
  }

  #replyError(replyTo: string, error: unknown): void {
    try {
      this.#reply(replyTo, undefined, errorReplyHeaders(error));
    } catch {
      // the connection is gone or the reply subject is unusable: the requester times out
    }
  }

  #reply(replyTo: string, result: unknown, headers: Headers | undefined): void {
    const encoded = encodeMessage(this.connection, result === undefined ? EMPTY_CODEC : this.#codec, result, nextId(), headers);
    this.#checkLine(replyTo, undefined, encoded);
    try {
      this.connection.publish(replyTo, encoded.data, { headers: encoded.headers });
    } catch (error) {
      throw fromNatsError(error, replyTo, 'reply', 0);
    }
  }

  /**
   * Ends every subscription of this bus (iterators finish) and rejects waiting requests with `closed`.
   * The connection stays open: it belongs to the caller. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#rejectClosing(new ClosedError('NatsBus'));
    await Promise.all([...this.#subscriptions].map((s) => s.unsubscribe()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A bus over NATS core on a connection you opened (`connectNats` / `wsconnect` in browsers, Deno and
 * workers; `@nats-io/transport-node`'s `connect` over TCP in Node). Delivery is at-most-once: see
 * {@link NatsBus}. Pass a topic map for compile-time checked subjects and payloads.
 */
export function createNatsBus<M extends TopicMap = AnyTopics>(nc: NatsConnection, options?: NatsBusOptions): NatsBus<M> {
  return new NatsBus<M>(nc, options);
}
