/**
 * Publishing into a JetStream stream: resolves on the server's persistence ack, de-duplicated by message id.
 * @module
 */
import type { JetStreamClient, JetStreamOptions, JetStreamPublishOptions as NatsJsPublishOptions, PubAck } from '@nats-io/jetstream';
import { jsonCodec, type Codec } from '../core/codec.js';
import type { NatsConnection } from '@nats-io/nats-core';
import { AbortedError, ClosedError, InvalidArgumentError, ValidationError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { PublishOptions, Publisher } from '../core/interfaces.js';
import { assertSubject } from '../core/subject.js';
import { abortable } from '../core/abort.js';
import type { Headers } from '../core/message.js';
import { publishWithTelemetry, type Telemetry } from '../core/telemetry.js';
import type { AnyTopics, PayloadOf, PublishSubject, TopicMap } from '../core/topics.js';
import { assertOpen, encodeForNats, toNatsHeaders } from '../nats/internal.js';
import type { StandardSchemaV1 } from '../core/schema.js';
import { checkBusOptions, checkTimeoutMs } from '../transport/options.js';
import { checkCodec, checkSchema } from '../transport/wire-options.js';
import { fromJetStreamError } from './errors.js';
import { resolveJetStream, type JetStreamSource } from './source.js';

/** Conditions the server checks before storing; a failed one rejects with `remote_error` and stores nothing. */
export interface PublishExpectations {
  /** The message must land in this stream. */
  stream?: string;
  /** The stream's last sequence must be this (optimistic concurrency on the whole stream). */
  lastSequence?: number;
  /** The last sequence of this message's subject must be this (optimistic concurrency per subject). */
  lastSubjectSequence?: number;
  /** The stream's last message id must be this. */
  lastMessageId?: string;
}

/** Options of a JetStream publish. */
export interface JetStreamPublishOptions extends PublishOptions {
  /** Server-side preconditions. */
  expect?: PublishExpectations;
  /** How long to wait for the server's ack (default: the publisher's `requestTimeoutMs`). */
  timeoutMs?: number;
}

/** The server's answer to a publish. */
export interface PublishAck {
  /** The stream that stored the message. */
  readonly stream: string;
  /** Its sequence in the stream (for a duplicate: the sequence of the copy stored first). */
  readonly seq: number;
  /** True when the stream already had a message with this id inside its duplicate window: nothing new was stored. */
  readonly duplicate: boolean;
  /** The message id sent in `Nats-Msg-Id`. */
  readonly id: string;
}

/** Options of {@link createJetStreamPublisher}. */
export interface JetStreamPublisherOptions {
  /** Turns payloads into bytes (default `jsonCodec()`). */
  codec?: Codec<unknown>;
  /** Validates every payload before it is sent: an invalid one rejects with `invalid_payload` and nothing is stored. */
  schema?: StandardSchemaV1;
  /** Default time to wait for the server's ack when a publish gives no `timeoutMs` (default 5000 ms). */
  requestTimeoutMs?: number;
  /** @deprecated Renamed {@link JetStreamPublisherOptions.requestTimeoutMs} (`timeoutMs` is the per-publish option); accepted until the next major version. */
  timeoutMs?: number;
  /** Closes the publisher when aborted: later publishes reject with `closed`. Its listener is removed on close. */
  signal?: AbortSignal;
  /** JetStream client options (domain, API prefix), used when a connection is passed. */
  jetstream?: JetStreamOptions;
  /**
   * Records a producer span per publish (`publish <subject>`, ended by the server's ack, so its duration is
   * the persistence round trip) and writes W3C trace context into the stored message's headers; see `isoflux/otel`.
   */
  telemetry?: Telemetry;
}

const ignoreAck = (): void => undefined;

/** What one JetStream publish needs: the client, the connection when known (size and closed checks), the payload options. */
export interface JetStreamWire {
  readonly js: JetStreamClient;
  readonly nc: NatsConnection | undefined;
  readonly codec: Codec<unknown>;
  readonly schema: StandardSchemaV1 | undefined;
  readonly telemetry: Telemetry | undefined;
}

/** Publishes one message into JetStream and resolves with the server's ack (the wire of the publisher and of a subscriber's `publish`). */
export function publishToStream(wire: JetStreamWire, subject: string, payload: unknown, options: JetStreamPublishOptions, defaultTimeoutMs: number): Promise<PublishAck> {
  let id: string;
  let timeoutMs: number;
  try {
    assertSubject(subject, { wildcards: false });
    if (wire.nc !== undefined) assertOpen(wire.nc);
    timeoutMs = checkTimeoutMs('timeoutMs', options.timeoutMs) ?? defaultTimeoutMs;
    if (options.signal?.aborted) throw new AbortedError('publish', options.signal.reason);
    id = options.id ?? nextId();
  } catch (error) {
    return Promise.reject(error);
  }
  const send = (headers: Headers | undefined): Promise<PublishAck> => {
    const signal = options.signal;
    const what = `JetStream publish on ${JSON.stringify(subject)}`;
    let sent: Promise<PubAck>;
    try {
      const data = wire.nc === undefined ? wire.codec.encode(payload) : encodeForNats(wire.nc, wire.codec, payload, id, headers);
      const natsOptions: Partial<NatsJsPublishOptions> = { headers: toNatsHeaders(id, headers), timeout: timeoutMs };
      if (options.expect !== undefined) natsOptions.expect = toNatsExpectations(options.expect);
      const publishing = wire.js.publish(subject, data, natsOptions);
      // the description is built only when a signal can use it: it costs a JSON.stringify per publish
      sent = signal === undefined ? publishing : abortable(publishing, signal, `publish on ${JSON.stringify(subject)}`);
    } catch (error) {
      return Promise.reject(fromJetStreamError(error, subject, what, timeoutMs));
    }
    return sent.then(
      (ack) => ({ stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate, id }),
      (error: unknown) => {
        throw fromJetStreamError(error, subject, what, timeoutMs);
      },
    );
  };
  const publish = (headers: Headers | undefined): Promise<PublishAck> => (wire.telemetry?.enabled() ? publishWithTelemetry(wire.telemetry, { system: 'jetstream', subject, id }, headers, send) : send(headers));
  if (wire.schema === undefined) return publish(options.headers);
  // validated before anything is sent: an invalid payload is never stored
  return Promise.resolve(wire.schema['~standard'].validate(payload)).then((result) => {
    if (result.issues !== undefined) throw new ValidationError(subject, result.issues);
    return publish(options.headers);
  });
}

/**
 * Delivery guarantee: **at-least-once into the stream, effectively-once with message ids**. `publish`
 * resolves only after the server has stored the message (its PubAck). The id (yours, or a generated one)
 * travels as `Nats-Msg-Id`: resending with the same id within the stream's `duplicate_window` (2 min by
 * default) is acknowledged as a duplicate and not stored twice, so after a `timeout` (outcome unknown) the
 * safe move is to resend with the same id. Costs one round trip per message; publish concurrently (without
 * awaiting each) to pipeline.
 */
export class JetStreamPublisher<M extends TopicMap = AnyTopics> implements Publisher<M, JetStreamPublishOptions>, AsyncDisposable {
  /** Type-only: the topic map, for inference by helpers (see `Publisher['~topics']`). */
  declare readonly '~topics'?: M;
  /** The JetStream client used. */
  readonly jetstream: JetStreamClient;
  readonly #wire: JetStreamWire;
  readonly #requestTimeoutMs: number;
  #closed = false;
  #detachSignal: (() => void) | undefined;

  constructor(source: JetStreamSource, options: JetStreamPublisherOptions = {}) {
    if (options.timeoutMs !== undefined && options.requestTimeoutMs !== undefined) throw new InvalidArgumentError('give requestTimeoutMs (timeoutMs is its deprecated name here), not both', 'timeoutMs');
    checkTimeoutMs('timeoutMs', options.timeoutMs);
    const { requestTimeoutMs } = checkBusOptions({ signal: options.signal, telemetry: options.telemetry, requestTimeoutMs: options.requestTimeoutMs ?? options.timeoutMs });
    const { js, nc } = resolveJetStream(source, options.jetstream);
    this.jetstream = js;
    this.#wire = { js, nc, codec: checkCodec<unknown, Uint8Array>('codec', options.codec) ?? jsonCodec(), schema: checkSchema('schema', options.schema), telemetry: options.telemetry };
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#detachSignal = bindSignal(options.signal, () => this.close());
  }

  /** True once closed (by `close()` or its signal). */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Publishes and resolves once the server stored it (or recognised a duplicate). See {@link publishWithAck}. */
  publish<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: JetStreamPublishOptions): Promise<void> {
    return this.publishWithAck(subject, payload, options).then(ignoreAck);
  }

  /**
   * Publishes and resolves with the server's ack: `{ stream, seq, duplicate, id }`. Rejects, storing nothing,
   * with `invalid_subject`, `not_serializable`, `invalid_payload` (the `schema` refused it), `payload_too_large`,
   * `no_responders` (no stream captures the subject), `remote_error` (an expectation failed: `remoteCode` is
   * JetStream's `err_code`, e.g. 10071 for a wrong last sequence), `invalid_argument` or `closed`; with `timeout`
   * or `aborted` the outcome is unknown (resend with the same id).
   */
  publishWithAck<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options: JetStreamPublishOptions = {}): Promise<PublishAck> {
    if (this.#closed) return Promise.reject(new ClosedError('JetStreamPublisher'));
    return publishToStream(this.#wire, subject, payload, options, this.#requestTimeoutMs);
  }

  /** Refuses further publishes (`closed`); publishes already sent still get their ack. The connection stays open. Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    this.#detachSignal?.();
    this.#detachSignal = undefined;
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Calls `close` when `signal` aborts (at once when it already has); returns what removes the listener. */
export function bindSignal(signal: AbortSignal | undefined, close: () => unknown): (() => void) | undefined {
  if (signal === undefined) return undefined;
  if (signal.aborted) return void close();
  const onAbort = (): void => void close();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function toNatsExpectations(expect: PublishExpectations): Partial<NatsJsPublishOptions['expect']> {
  const out: Partial<NatsJsPublishOptions['expect']> = {};
  if (expect.stream !== undefined) out.streamName = expect.stream;
  if (expect.lastSequence !== undefined) out.lastSequence = expect.lastSequence;
  if (expect.lastSubjectSequence !== undefined) out.lastSubjectSequence = expect.lastSubjectSequence;
  if (expect.lastMessageId !== undefined) out.lastMsgID = expect.lastMessageId;
  return out;
}

/**
 * A publisher into JetStream on a connection (or JetStream client) you opened. At-least-once into the stream;
 * effectively-once with message ids (see {@link JetStreamPublisher}).
 */
export function createJetStreamPublisher<M extends TopicMap = AnyTopics>(source: JetStreamSource, options?: JetStreamPublisherOptions): JetStreamPublisher<M> {
  return new JetStreamPublisher<M>(source, options);
}
