/**
 * The NATS core transport: publish/subscribe, queue groups and request/reply over a connection the caller owns.
 * Its driver is wire code (encode, `nc.publish`, `nc.subscribe`, `nc.request`); the front door (overloads,
 * subject and option checks, `signal`, telemetry, wiretap, `respond`, close) is the kit's facade.
 * @module
 */
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { jsonCodec, type Codec } from '../core/codec.js';
import { AbortedError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { PublishOptions, SubscribeOptions, Subscription } from '../core/interfaces.js';
import { createMessage, type Headers, type Message } from '../core/message.js';
import { ERROR_CODE_HEADER, answering, errorReplyHeaders, unwrapReply } from '../core/reply.js';
import type { StandardSchemaV1 } from '../core/schema.js';
import { abortable } from '../core/abort.js';
import type { AnyTopics, PatternPayload, SubscribePattern, TopicMap } from '../core/topics.js';
import type { BusStats } from '../transport/bus.js';
import type { Driver, DriverContext, DriverRequestOptions, Listener, SendOptions, Sink } from '../transport/driver.js';
import type { BusOptions } from '../transport/options.js';
import { RequestBus } from '../transport/request-bus.js';
import { checkCodec, checkOneOf, checkSchema } from '../transport/wire-options.js';
import { RequestRejectedError } from './errors.js';
import { checkPublishLine, checkSubscribeLine, replyLength, requestReplyLength, resolveMaxControlLine } from './limits.js';
import { createReceiver, type OnRejected } from './receive.js';
import { refusalOf, refusalWatch } from './refusal.js';
import { assertOpen, decodePayload, encodeBare, encodeForNats, encodeMessage, fromNatsError, fromNatsHeaders, headerBytes, toNatsHeaders } from './wire.js';

/** Options of {@link createNatsBus}: the kit's `signal`, `telemetry`, `onError`, `requestTimeoutMs`, plus the wire's. */
export interface NatsBusOptions extends BusOptions {
  /** Turns payloads into bytes and back (default `jsonCodec()`). Publishers and subscribers must agree. */
  codec?: Codec<unknown>;
  /** Validates every received payload (Standard Schema: zod, valibot, arktype …); a subscription's own `schema` wins. */
  schema?: StandardSchemaV1;
  /**
   * `always` (default): every message carries an id in `Nats-Msg-Id` (one is generated when you give none),
   * so all subscribers, logs and a JetStream stream capturing the subject see the same id.
   * `explicit`: only messages published with an `id` or `headers` carry a header block; the others go as
   * bare NATS messages (receivers make up a local id). Measured on one WebSocket connection: the header
   * block costs nats-core about half of its raw publish→subscribe throughput (measured: bench nats/pubsub).
   */
  messageIds?: 'always' | 'explicit';
  /**
   * The server's `max_control_line` in bytes (nats-server's default 4096; the server does not announce it).
   * A publish, request or subscription whose protocol line would be longer is refused with `invalid_subject`
   * before anything is sent: the server would close the whole connection, and nats-core would re-send an
   * over-long subscription on every reconnect. Set it to the server's value when you raise it there.
   * (Named after the server setting it mirrors.)
   */
  maxControlLine?: number;
}

/** Options of {@link NatsBus.subscribe} and {@link NatsBus.respond}. */
export interface NatsSubscribeOptions extends SubscribeOptions {
  /** Validates received payloads; invalid ones are reported (`invalid_payload`) and never reach the handler. */
  schema?: StandardSchemaV1;
}

/** Marks a `respond` subscription: a request it cannot read is answered with the reason, not left to time out. */
const ANSWERS: unique symbol = Symbol('isoflux.nats.answers');
/** Marks the facade's send of a reply: always with an id, and `undefined` goes as an empty body. */
const REPLY: unique symbol = Symbol('isoflux.nats.reply');
type Marked<T> = T & { [ANSWERS]?: true; [REPLY]?: true };

const RESOLVED: Promise<void> = Promise.resolve();
const EMPTY = new Uint8Array(0);
/** Encodes the `undefined` a responder returns as an empty body. */
const EMPTY_CODEC: Codec<unknown> = { name: 'empty', encode: () => EMPTY, decode: () => undefined };
/** Remote error codes that mean the responder could not read the request: the requester gets the same code. */
const REQUEST_NOT_READ: ReadonlySet<string> = new Set(['decode_failed', 'invalid_payload']);

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** The inbox prefix nats-core puts in front of request reply subjects (`_INBOX` unless configured). */
function inboxPrefixOf(nc: NatsConnection): string {
  const prefix = (nc as { options?: { inboxPrefix?: unknown } }).options?.inboxPrefix;
  return typeof prefix === 'string' && prefix.length > 0 ? prefix : '_INBOX';
}

/** The NATS wire: encode and `publish`, `subscribe` with the server's round trip as `ready`, native `request`. */
class NatsDriver implements Driver<PublishOptions, NatsSubscribeOptions> {
  readonly name = 'nats';
  readonly decodes = true;
  readonly subjectRules: { readonly maxBytes: number };
  readonly #nc: NatsConnection;
  readonly #codec: Codec<unknown>;
  readonly #schema: StandardSchemaV1 | undefined;
  readonly #explicitIds: boolean;
  readonly #maxControlLine: number;
  #onError: SubscribeOptions['onError'];
  /** Rejects when the bus closes, so waiting requests end with `closed`. */
  readonly #closing: Promise<never>;
  #rejectClosing!: (error: Error) => void;

  constructor(nc: NatsConnection, options: NatsBusOptions) {
    this.#nc = nc;
    this.#codec = checkCodec<unknown, Uint8Array>('codec', options.codec) ?? jsonCodec();
    this.#schema = checkSchema('schema', options.schema);
    this.#explicitIds = checkOneOf('messageIds', options.messageIds, ['always', 'explicit']) === 'explicit';
    this.#maxControlLine = resolveMaxControlLine(options.maxControlLine);
    this.subjectRules = { maxBytes: this.#maxControlLine };
    this.#closing = new Promise<never>((_, reject) => (this.#rejectClosing = reject));
    this.#closing.catch(() => undefined);
  }

  attach(context: DriverContext): void {
    this.#onError = context.onError;
  }

  send(subject: string, payload: unknown, options: Marked<SendOptions> | undefined): Promise<void> {
    try {
      const nc = this.#nc;
      assertOpen(nc);
      const signal = options?.signal;
      if (signal?.aborted) throw new AbortedError('publish', signal.reason);
      const reply = options?.[REPLY] === true;
      const replyTo = options?.replyTo;
      const encoded =
        this.#explicitIds && !reply && options?.id === undefined && options?.headers === undefined
          ? encodeBare(nc, this.#codec, payload)
          : encodeMessage(nc, reply && payload === undefined ? EMPTY_CODEC : this.#codec, payload, options?.id ?? nextId(), options?.headers);
      const { data, headers, headerLength } = encoded;
      checkPublishLine(this.#maxControlLine, subject, replyTo === undefined ? 0 : replyLength(replyTo), headerLength, data.length + (headerLength ?? 0));
      try {
        nc.publish(subject, data, replyTo === undefined ? { headers } : { headers, reply: replyTo });
      } catch (error) {
        throw fromNatsError(error, subject, reply ? 'reply' : 'publish', 0);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return RESOLVED;
  }

  listen(pattern: string, queue: string | undefined, sink: Sink, options: Marked<NatsSubscribeOptions> | undefined): Listener {
    const nc = this.#nc;
    assertOpen(nc);
    checkSubscribeLine(this.#maxControlLine, pattern, queue);
    const schema = checkSchema('schema', options?.schema) ?? this.#schema;
    // the handler never runs for a request that cannot be read: a responder answers with the reason rather than silence
    const onRejected: OnRejected | undefined = options?.[ANSWERS] === true ? (msg, error) => msg.reply && this.#replyError(msg.reply, error) : undefined;
    const callback = createReceiver(sink, this.#codec, schema, onRejected);
    let natsSub: ReturnType<NatsConnection['subscribe']>;
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
        const refusal = refusalOf(sink);
        if (refusal !== undefined) throw refusal;
      },
      (error: unknown) => {
        throw fromNatsError(error, pattern, 'subscribe', 0);
      },
    );
    const report = options?.onError ?? this.#onError;
    refusalWatch(nc).track(sink, answered, (error) => report?.(error));
    return {
      ready,
      // also after a refusal: nats-core must forget it, or it would send it again on every reconnect
      close: () => void (nc.isClosed() || natsSub.unsubscribe()),
    };
  }

  async request(subject: string, payload: unknown, { timeoutMs, headers, id = nextId(), signal }: DriverRequestOptions): Promise<Message<unknown>> {
    const nc = this.#nc;
    assertOpen(nc);
    const what = `request on ${JSON.stringify(subject)}`;
    let reply: Msg;
    try {
      const data = encodeForNats(nc, this.#codec, payload, id, headers);
      const total = data.length + headerBytes(id, headers);
      // nats-core writes the header length too; its digits never outnumber the total's
      checkPublishLine(this.#maxControlLine, subject, requestReplyLength(inboxPrefixOf(nc)), total, total);
      const sent = nc.request(subject, data, { timeout: timeoutMs, headers: toNatsHeaders(id, headers) });
      reply = await abortable(Promise.race([sent, this.#closing]), signal, what);
    } catch (error) {
      throw fromNatsError(error, subject, what, timeoutMs);
    }
    const { headers: replyHeaders, id: replyId } = fromNatsHeaders(reply.headers);
    const remoteCode = replyHeaders[ERROR_CODE_HEADER];
    if (remoteCode !== undefined && REQUEST_NOT_READ.has(remoteCode)) throw new RequestRejectedError(subject, remoteCode as 'decode_failed' | 'invalid_payload', replyHeaders);
    if (remoteCode !== undefined) unwrapReply(createMessage({ subject: reply.subject, payload: undefined, headers: replyHeaders }), subject);
    // a responder that returned nothing sends an empty body; a codec that cannot read empty input gives `undefined`
    let value: unknown;
    try {
      value = await decodePayload<unknown>(this.#codec, undefined, reply.data, reply.subject);
    } catch (error) {
      if (reply.data.length > 0) throw error;
    }
    return createMessage({ subject: reply.subject, payload: value, headers: replyHeaders, id: replyId });
  }

  #replyError(replyTo: string, error: unknown): void {
    // the connection is gone or the reply subject is unusable: the requester times out
    this.send(replyTo, undefined, { headers: errorReplyHeaders(error), [REPLY]: true }).catch(() => undefined);
  }

  /** Ends waiting requests with `closed` (called first in the bus's close). */
  fail(error: Error): void {
    this.#rejectClosing(error);
  }
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
 *
 * `publish` rejects, sending nothing, with `invalid_subject` (also for a protocol line over `maxControlLine`),
 * `not_serializable`, `payload_too_large` (over the server's `max_payload`, headers included) or `closed`.
 * `subscribe`'s `ready` resolves once the server registered the interest (a round trip). `request` rejects with
 * `no_responders`, `timeout`, `remote_error`, `decode_failed` / `invalid_payload` (the responder could not read
 * the request), `aborted` or `closed`.
 */
export class NatsBus<M extends TopicMap = AnyTopics> extends RequestBus<M, PublishOptions, BusStats, NatsSubscribeOptions> {
  /** The connection this bus publishes on; owned by the caller, never closed by the bus. */
  readonly connection: NatsConnection;
  readonly #driver: NatsDriver;

  constructor(nc: NatsConnection, options: NatsBusOptions = {}) {
    const driver = new NatsDriver(nc, options);
    super(driver, options);
    this.connection = nc;
    this.#driver = driver;
    void nc.closed().then(() => this.close());
  }

  /**
   * Answers requests on `pattern`: the handler's return value is the reply; a thrown error reaches the
   * requester as `remote_error` (and is also reported to `onError`); a request that cannot be decoded or
   * validated is answered with `decode_failed` / `invalid_payload`. Use `queue` to spread requests.
   */
  override respond<Pat extends string, R = unknown>(
    pattern: SubscribePattern<M, Pat>,
    handler: (message: Message<PatternPayload<M, Pat>>) => R | Promise<R>,
    options?: NatsSubscribeOptions,
  ): Subscription<PatternPayload<M, Pat>> {
    const reply = (replyTo: string, result: unknown, headers: Headers | undefined): Promise<void> => this.send(replyTo, result, { headers, [REPLY]: true } as SendOptions, false);
    return this.subscribe(pattern, answering(handler, reply), { ...options, [ANSWERS]: true } as NatsSubscribeOptions);
  }

  protected override beforeClose(): void {
    super.beforeClose();
    this.#driver.fail(this.closedError());
  }
}

/**
 * A bus over NATS core on a connection you opened (`connectNats` / `wsconnect` in browsers, Deno and
 * workers; `@nats-io/transport-node`'s `connect` over TCP in Node). Delivery is at-most-once: see
 * {@link NatsBus}. Pass a topic map for compile-time checked subjects and payloads. The bus closes (not the
 * connection) on `signal` or when the connection closes.
 */
export function createNatsBus<M extends TopicMap = AnyTopics>(nc: NatsConnection, options?: NatsBusOptions): NatsBus<M> {
  return new NatsBus<M>(nc, options);
}
