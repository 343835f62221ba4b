/**
 * Publish/subscribe across processes through PostgreSQL LISTEN/NOTIFY, on a `postgres` (porsager) client
 * the caller owns.
 * @module
 */
import { jsonCodec, type Codec } from '../core/codec.js';
import { InvalidArgumentError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { PublishOptions, SubscribeOptions } from '../core/interfaces.js';
import type { Headers } from '../core/message.js';
import type { StandardSchemaV1 } from '../core/schema.js';
import { SubjectTrie } from '../core/subject-trie.js';
import type { Telemetry } from '../core/telemetry.js';
import type { AnyTopics, TopicMap } from '../core/topics.js';
import { TransportBus } from '../transport/bus.js';
import type { Driver, Listener, SendOptions, Sink } from '../transport/driver.js';
import { checkFunction, refuseSubscriptionSchema } from '../transport/options.js';
import { ChannelMap, checkNamespace, checkPartitionTokens } from './channel.js';
import { encodeEnvelope, encodeTextEnvelope } from './envelope.js';
import { plainJsonText } from './payload.js';
import { PostgresUnsupportedError, fromPostgresError, type EnvelopeError } from './errors.js';
import { createReceiver } from './receive.js';
import { NotifySender, notifyMany, type QuerySql } from './sender.js';

/** The part of a `postgres` client the bus uses: a `Sql` from `postgres(url)` fits. */
export interface PostgresSql extends QuerySql {
  listen(channel: string, onnotify: (payload: string) => void, onlisten?: () => void): PromiseLike<{ unlisten(): Promise<void> }>;
}

/** Options of {@link createPostgresBus}. */
export interface PostgresBusOptions {
  /**
   * The channel (or channel prefix) this bus uses: buses with the same namespace on the same database see
   * each other's messages (default `isoflux`). A lower-case SQL identifier of at most 40 bytes.
   */
  namespace?: string;
  /**
   * 0 (default): one channel per namespace. Every process that subscribes receives every message of the
   * namespace and filters locally (a trie lookup); every wildcard works. N > 0: a subject's first N tokens
   * pick its channel, so a process receives only the partitions it subscribes to; patterns must then have
   * literal leading N tokens (`orders.*` works with N = 1, `*.created` throws `unsupported`).
   */
  partitionTokens?: number;
  /** Payload codec (default JSON). Its bytes travel as text when they are valid UTF-8, base64 otherwise. */
  codec?: Codec<unknown>;
  /** Validates every received payload (Standard Schema); a failure is reported as `invalid_payload`. */
  schema?: StandardSchemaV1;
  /** Default `onError` for subscriptions, and where notifications that are not isoflux envelopes are reported. */
  onError?: (error: unknown) => void;
  /** Called after every LISTEN, including the re-LISTEN after the client reconnected: subscriptions resumed. */
  onListen?: (channel: string) => void;
  /** Closes the bus when aborted. */
  signal?: AbortSignal;
  /**
   * Records a producer span per publish (`publish <subject>`, ended when PostgreSQL accepted the NOTIFY;
   * the W3C trace context travels in the envelope's headers and counts toward the 8000-byte limit) and a
   * consumer span, linked to it, per handled message; see `isoflux/otel`.
   */
  telemetry?: Telemetry;
}

/** Options of {@link PostgresBus.publish}. */
export interface PostgresPublishOptions extends PublishOptions {
  /**
   * Notify inside this transaction (`sql.begin(tx => …)`): delivered on COMMIT, never on ROLLBACK, so a row
   * and its event commit together. Bypasses the bus's batching.
   */
  transaction?: QuerySql;
}

/** Counters of a postgres bus. */
export interface PostgresBusStats {
  readonly published: number;
  /** Notifications on this bus's channels that were not isoflux envelopes. */
  readonly foreign: number;
  readonly subscriptions: number;
}

interface Listening {
  refs: number;
  /** The client's LISTEN; it stays pending while the server resets connections (the client retries). */
  readonly listen: Promise<{ unlisten(): Promise<void> }>;
  settled: boolean;
}

const NOTHING: Promise<void> = Promise.resolve();

/** The postgres transport's wire: NOTIFY out (batched), one LISTEN per channel in, a local trie to route. */
class PostgresDriver implements Driver<PostgresPublishOptions> {
  readonly name = 'postgres';
  readonly decodes = true;
  readonly #sql: PostgresSql;
  readonly #channels: ChannelMap;
  readonly #codec: Codec<unknown>;
  /**
   * True with the default codec (JSON): plain payloads are then written as text ({@link plainJsonText}) and
   * bodies read as text (see `ReceiverContext.jsonText`), without a UTF-8 round trip each way.
   */
  readonly #jsonText: boolean;
  readonly #schema: StandardSchemaV1 | undefined;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #onListen: ((channel: string) => void) | undefined;
  readonly #sender: NotifySender;
  readonly #routes = new SubjectTrie<Sink>();
  readonly #listening = new Map<string, Listening>();
  #foreign = 0;

  constructor(sql: PostgresSql, options: PostgresBusOptions) {
    if (typeof sql?.listen !== 'function' || typeof sql.unsafe !== 'function') throw new InvalidArgumentError('createPostgresBus needs a client from `postgres(url)` (the porsager `postgres` package)', 'sql');
    this.#sql = sql;
    this.#channels = new ChannelMap(checkNamespace(options.namespace ?? 'isoflux'), checkPartitionTokens(options.partitionTokens ?? 0));
    this.#codec = options.codec ?? jsonCodec();
    this.#jsonText = options.codec === undefined;
    this.#schema = options.schema;
    this.#onError = options.onError;
    this.#onListen = checkFunction('onListen', options.onListen);
    this.#sender = new NotifySender(sql);
  }

  stats(): { readonly foreign: number } {
    return { foreign: this.#foreign };
  }

  send(subject: string, payload: unknown, options: SendOptions<PostgresPublishOptions> | undefined): Promise<void> {
    try {
      const id = options?.id ?? nextId();
      const headers = options?.headers;
      checkHeaders(headers);
      const json = this.#jsonText ? plainJsonText(payload) : undefined;
      const text = json === undefined ? encodeEnvelope(subject, id, headers, this.#codec.encode(payload)) : encodeTextEnvelope(subject, id, headers, json);
      const channel = this.#channels.forSubject(subject);
      const transaction = options?.transaction;
      if (transaction === undefined) return this.#sender.send(channel, text, subject, options?.signal);
      return notifyMany(transaction, [channel], [text]).catch((error: unknown) => Promise.reject(fromPostgresError(error, `publish on ${JSON.stringify(subject)}`)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Routes locally at once and LISTENs on the pattern's channel (once per channel per bus): `ready`
   * resolves when the LISTEN is active. Throws `unsupported` for `queue` and, on a partitioned bus, for
   * wildcards in the partition tokens.
   */
  listen(pattern: string, queue: string | undefined, sink: Sink, options?: SubscribeOptions): Listener {
    refuseSubscriptionSchema(options, 'to createPostgresBus');
    if (queue !== undefined) {
      throw new PostgresUnsupportedError('queue groups', 'every LISTENing session receives every NOTIFY. Use NATS (or a table with SELECT … FOR UPDATE SKIP LOCKED) for work queues.');
    }
    const channel = this.#channels.forPattern(pattern);
    const ready = this.#acquire(channel);
    this.#routes.insert(pattern, sink);
    return { ready, close: () => this.#remove(pattern, channel, sink) };
  }

  #acquire(channel: string): Promise<void> {
    let entry = this.#listening.get(channel);
    if (entry === undefined) {
      const onnotify = createReceiver(channel, { routes: this.#routes, codec: this.#codec, jsonText: this.#jsonText, schema: this.#schema, channelOf: (s) => this.#channels.forSubject(s), onForeign: (e) => this.#reportForeign(e) });
      const onlisten = (): void => this.#onListen?.(channel);
      const listen = Promise.resolve(this.#sql.listen(channel, onnotify, onlisten));
      const created: Listening = (entry = { refs: 0, listen, settled: false });
      const settle = (): void => void (created.settled = true);
      listen.then(settle, settle);
      this.#listening.set(channel, entry);
    }
    entry.refs++;
    return entry.listen.then(
      () => undefined,
      (error: unknown) => Promise.reject(fromPostgresError(error, `LISTEN on channel ${channel}`)),
    );
  }

  #remove(pattern: string, channel: string, sink: Sink): Promise<void> {
    this.#routes.remove(pattern, sink);
    const entry = this.#listening.get(channel);
    if (entry === undefined || --entry.refs > 0) return NOTHING;
    this.#listening.delete(channel);
    // a LISTEN that failed has nothing to undo; an UNLISTEN that fails means the connection is gone anyway
    const unlisten = entry.listen.then((meta) => meta.unlisten()).catch(() => undefined);
    // a LISTEN still waiting for the server is undone when it lands; unsubscribe does not wait for that
    return entry.settled ? unlisten : NOTHING;
  }

  #reportForeign(error: EnvelopeError): void {
    this.#foreign++;
    try {
      (this.#onError ?? console.error)(error);
    } catch {
      // a throwing onError must not break the postgres client's notification loop (or the next message)
    }
  }

  /** Publishes already accepted reach PostgreSQL before the subscriptions end. */
  flush(): Promise<void> {
    return this.#sender.idle();
  }
}

/**
 * A bus over LISTEN/NOTIFY. Delivery is **at-most-once**: a message published while a subscriber's
 * connection is down is lost for it (the `postgres` client re-LISTENs on reconnect, see `onListen`).
 * Messages from one bus arrive in publish order. Payloads are limited to 7999 bytes per notification
 * (envelope included): larger ones fail with `payload_too_large` before anything is sent. Identical
 * notifications (same subject, id, headers and payload) sent in one transaction are merged by PostgreSQL.
 * Queue groups and request/reply are not offered (NOTIFY can neither pick one listener nor tell that
 * nobody listens): they throw `unsupported` / are absent.
 *
 * `publish` resolves once PostgreSQL accepted the NOTIFY (with `transaction`: once it is queued in the
 * transaction; delivery follows the COMMIT). It rejects with `invalid_subject`, `not_serializable`,
 * `payload_too_large` (nothing sent), `closed`, `aborted` (not yet sent), or `connection_failed` (maybe not
 * sent). `close()` waits for publishes already accepted to reach PostgreSQL, then ends every subscription and
 * UNLISTENs; the caller's `postgres` client stays open.
 */
export class PostgresBus<M extends TopicMap = AnyTopics> extends TransportBus<M, PostgresPublishOptions, PostgresBusStats> {
  constructor(sql: PostgresSql, options: PostgresBusOptions = {}) {
    super(new PostgresDriver(sql, options), options);
  }
}

function checkHeaders(headers: Headers | undefined): void {
  if (headers === undefined) return;
  for (const key in headers) {
    if (typeof headers[key] !== 'string') throw new InvalidArgumentError(`header ${JSON.stringify(key)} must be a string, got ${typeof headers[key]}`);
  }
}

/**
 * Creates a bus on the caller's `postgres` client (`postgres(url)`); the bus never ends the client.
 * LISTEN uses one extra dedicated connection of that client; publishes use its pool, one statement at a
 * time, batched under load.
 */
export function createPostgresBus<M extends TopicMap = AnyTopics>(sql: PostgresSql, options?: PostgresBusOptions): PostgresBus<M> {
  return new PostgresBus<M>(sql, options);
}
