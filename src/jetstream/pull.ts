/**
 * A pull consumer: the caller asks for messages when it has capacity, and settles each one.
 * @module
 */
import type { ConsumerMessages, JetStreamOptions, JsMsg } from '@nats-io/jetstream';
import { ClosedError, InvalidArgumentError } from '../core/errors.js';
import type { Consumer, FetchOptions, SubscribeOptions } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { assertSubject } from '../core/subject.js';
import type { Telemetry } from '../core/telemetry.js';
import { fetchTimeoutMs } from '../core/renamed-option.js';
import { TAP, Taps } from '../core/wiretap.js';
import { checkBusOptions, checkSignal } from '../transport/options.js';
import { checkInteger } from '../transport/wire-options.js';
import { bindSignal } from './publisher.js';
import { checkBehaviour, createConsumer, inboundPolicy, normalizeBehaviour, type ConsumerBehaviour, type CreatedConsumer, type DeliverFrom } from './consumer-setup.js';
import { fromJetStreamError } from './errors.js';
import { receive, type InboundPolicy } from './inbound.js';
import { resolveJetStream, type JetStreamSource } from './source.js';

/** Options of {@link createJetStreamConsumer}. */
export interface JetStreamConsumerOptions extends ConsumerBehaviour {
  /** The stream to read. */
  stream: string;
  /** Only subjects matching this pattern (default: everything in the stream). */
  filter?: string;
  /** Durable consumer name: progress is kept on the server, and several processes can share the work. */
  durable?: string;
  /** Where a new consumer starts (default `all`). */
  deliver?: DeliverFrom;
  /** Closes the consumer when aborted (a waiting fetch resolves with what it has). Its listener is removed on close. */
  signal?: AbortSignal;
  /** Called for messages that cannot be decoded or validated (they are never returned). Default `console.error`. */
  onError?: SubscribeOptions['onError'];
  /** JetStream client options (domain, API prefix), used when a connection is passed. */
  jetstream?: JetStreamOptions;
  /** Counts ack outcomes (`ack`/`nak`/`term`) and dead letters; see `isoflux/otel`. */
  telemetry?: Telemetry;
}

/**
 * Options of {@link JetStreamPullConsumer.fetch}: core's `FetchOptions` (`signal`, `timeoutMs`, the deprecated
 * `expiresMs`), kept as a name of its own for code that imports it.
 */
export type JetStreamFetchOptions = FetchOptions;

/** The server holds a pull request open at most this long; longer waits are several requests. */
const MAX_PULL_MS = 30_000;
/** nats.js refuses shorter pull expirations; shorter waits are cut client-side. */
const MIN_PULL_MS = 1_000;

/**
 * Delivery guarantee: **at-least-once**. Messages are pulled only when `fetch` is called, and each must be
 * settled (`ack`, `nak(delayMs)`, `term`, `inProgress`); one not acked within `ackWaitMs` is delivered again.
 * Settles and dead letters are tap events (`tap(consumer, …)`: `acked`, `naked`, `terminated`, `dead-lettered`).
 * A fetch cut short by its signal or a sub-second `timeoutMs` may leave a message in flight to it; the server
 * redelivers that one after `ackWaitMs`.
 */
export class JetStreamPullConsumer<T = unknown> implements Consumer<T>, AsyncDisposable {
  /** The wiretap (see `tap` in `isoflux`): settle and dead-letter events. */
  readonly [TAP]: Taps;
  readonly #created: CreatedConsumer;
  readonly #policy: InboundPolicy;
  #detachSignal: (() => void) | undefined;
  /** Pulls in progress, ended by close(). */
  readonly #inflight = new Set<ConsumerMessages>();
  #closed = false;

  /** Use {@link createJetStreamConsumer}. */
  constructor(created: CreatedConsumer, policy: InboundPolicy, taps: Taps, signal: AbortSignal | undefined) {
    this.#created = created;
    this.#policy = policy;
    this[TAP] = taps;
    this.#detachSignal = bindSignal(signal, () => this.close());
  }

  /** True once closed (by `close()` or its signal). */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** The consumer's name on the server (the durable name, or the server-assigned one). */
  get name(): string {
    return this.#created.name;
  }

  /**
   * Up to `max` messages. Waits until at least one is available, `timeoutMs` passes or the signal aborts
   * (then resolves with `[]`); once one has arrived it returns promptly with the others already waiting.
   * Costs one pull request, plus one more when more messages are waiting.
   */
  async fetch(max: number, options: JetStreamFetchOptions = {}): Promise<Message<T>[]> {
    if (this.#closed) throw new ClosedError('JetStreamPullConsumer');
    checkInteger('max', max);
    const signal = checkSignal('signal', options.signal);
    const waitMs = fetchTimeoutMs(options);
    const deadline = waitMs === undefined ? Infinity : Date.now() + waitMs;
    const out: Message<T>[] = [];
    while (out.length === 0 && !signal?.aborted && !this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const first = await this.#pull(1, left, signal);
      if (first.length === 0) continue;
      // the server said how many more are waiting: take those without waiting for more to arrive
      const waiting = Math.min(max - 1, first[0]?.info.pending ?? 0);
      const rest = waiting > 0 ? await this.#pull(waiting, MIN_PULL_MS, signal) : [];
      for (const jm of [...first, ...rest]) {
        let message = receive<T>(jm, this.#policy);
        if (message instanceof Promise) message = await message;
        if (message !== undefined) out.push(message);
      }
    }
    return out;
  }

  /** One pull request for up to `n` messages, cut at `waitMs` or on abort. */
  async #pull(n: number, waitMs: number, signal: AbortSignal | undefined): Promise<JsMsg[]> {
    let batch: ConsumerMessages;
    try {
      batch = await this.#created.consumer.fetch({ max_messages: n, expires: Math.min(MAX_PULL_MS, Math.max(MIN_PULL_MS, Math.ceil(waitMs))) });
    } catch (error) {
      throw fromJetStreamError(error, this.#created.name, 'fetch', waitMs);
    }
    const stop = (): void => void batch.close();
    const timer = waitMs < MIN_PULL_MS ? setTimeout(stop, waitMs) : undefined;
    signal?.addEventListener('abort', stop, { once: true });
    // closed (or aborted) while the pull request was being made: close() could not see this batch yet
    if (signal?.aborted || this.#closed) stop();
    this.#inflight.add(batch);
    const out: JsMsg[] = [];
    try {
      for await (const jm of batch) {
        out.push(jm);
        if (out.length >= n) break;
      }
    } catch (error) {
      // closing deletes an ephemeral consumer, which fails the pull: that is the end we asked for
      if (this.#closed || signal?.aborted) return out;
      throw fromJetStreamError(error, this.#created.name, 'fetch', waitMs);
    } finally {
      this.#inflight.delete(batch);
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
    }
    return out;
  }

  /** Stops fetching; an ephemeral consumer is deleted on the server (a durable one keeps its progress). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#detachSignal?.();
    // a fetch still waiting ends now (with what it has), not when its server-side pull expires
    for (const batch of this.#inflight) void batch.close();
    if (this.#created.ephemeral) await this.#created.consumer.delete().catch(() => undefined);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates (or reuses, for an existing durable) a pull consumer on `options.stream` and returns an isoflux
 * {@link Consumer} over it. At-least-once: see {@link JetStreamPullConsumer}. Rejects with `remote_error`
 * when the server refuses the consumer (unknown stream, filter outside the stream, conflicting durable).
 */
export async function createJetStreamConsumer<T = unknown>(source: JetStreamSource, options: JetStreamConsumerOptions): Promise<JetStreamPullConsumer<T>> {
  if (typeof options?.stream !== 'string' || options.stream.length === 0) throw new InvalidArgumentError('createJetStreamConsumer: options.stream must name the stream to read', 'stream');
  // a consumer's filter subject follows nats-server's IsValidSubject, which also refuses a form feed
  if (options.filter !== undefined) assertSubject(options.filter, { wildcards: true, formFeed: false });
  const behaviour = normalizeBehaviour(options);
  checkBehaviour(behaviour, options.deliver, options.durable);
  const { telemetry, signal } = options;
  checkBusOptions({ signal, telemetry, onError: options.onError });
  const { js, nc } = resolveJetStream(source, options.jetstream);
  const report = options.onError ?? ((error: unknown) => console.error('[isoflux] JetStream consumer could not process a message:', error));
  const info = { system: 'jetstream', pattern: options.filter ?? '>', queue: options.durable };
  const taps = new Taps();
  const policy = inboundPolicy(js, nc, behaviour, report, { telemetry, taps }, info);
  const created = await createConsumer(js, options.stream, options.filter, options.durable, options.deliver, options.ackWaitMs);
  return new JetStreamPullConsumer<T>(created, policy, taps, signal);
}
