/**
 * Push-style JetStream subscriptions over `consumer.consume()`, with automatic or manual acknowledgement.
 * The driver is wire code (create the consumer, pump its messages into the subscription, settle them); the
 * front door (overloads, subject and option checks, `signal`, telemetry, wiretap, stats, close) is the kit's.
 * @module
 */
import type { ConsumerMessages, JetStreamClient, JetStreamOptions } from '@nats-io/jetstream';
import { jsonCodec } from '../core/codec.js';
import { ClosedError, InvalidArgumentError } from '../core/errors.js';
import type { Consumer, Handler, SubscribeOptions, Subscription } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { resolveSubscribeOptions } from '../core/subscribe-args.js';
import type { ConsumeInfo, Telemetry } from '../core/telemetry.js';
import type { AnyTopics, PatternPayload, SubscribePattern, TopicMap } from '../core/topics.js';
import type { Taps } from '../core/wiretap.js';
import { assertOpen } from '../nats/internal.js';
import { TransportBus, type BusStats } from '../transport/bus.js';
import type { Driver, DriverContext, Listener, SendOptions, Sink } from '../transport/driver.js';
import { checkTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, type BusOptions } from '../transport/options.js';
import { checkOneOf } from '../transport/wire-options.js';
import { checkBehaviour, createConsumer, inboundPolicy, normalizeBehaviour, type ConsumerBehaviour, type CreatedConsumer, type DeliverFrom } from './consumer-setup.js';
import { fromJetStreamError } from './errors.js';
import { failAttempt, receive } from './inbound.js';
import { publishToStream, type JetStreamPublishOptions, type JetStreamWire } from './publisher.js';
import { resolveJetStream, type JetStreamSource } from './source.js';

/** A consumer's filter subject follows nats-server's `IsValidSubject`, which also refuses a form feed. */
const FILTER_RULES = { formFeed: false } as const;
const ACK_MODES = ['auto', 'manual'] as const;

/**
 * Who settles a received message. `auto`: the library — the handler returning (or resolving) acks; throwing
 * (or rejecting) naks (after `backoff(attempt)`) or dead-letters (`maxAttempts`, `isRetryable`) — unless the
 * handler settled the message itself. `manual`: the handler calls `ack`, `nak(delayMs)`, `term` or
 * `inProgress`; a message it leaves unsettled is redelivered after the server's `ackWaitMs`.
 */
export type AckMode = 'auto' | 'manual';

/** Options of {@link createJetStreamSubscriber}; the consumer behaviour can be overridden per subscription. */
export interface JetStreamSubscriberOptions extends ConsumerBehaviour, BusOptions {
  /** The stream to consume; subscription patterns must lie within its subjects. */
  stream: string;
  /** Default acknowledgement mode (default `auto`). */
  ack?: AckMode;
  /** JetStream client options (domain, API prefix), used when a connection is passed. */
  jetstream?: JetStreamOptions;
  /**
   * Records a consumer span per handled message (`process <subject>`, linked to the producer span whose
   * trace context the message carries; `isoflux.delivery.attempt` > 1 on redeliveries) and counts ack
   * outcomes, redeliveries, dead letters, drops and lag; see `isoflux/otel`.
   */
  telemetry?: Telemetry;
}

/** Options of one JetStream subscription. */
export interface JetStreamSubscribeOptions extends SubscribeOptions, Omit<ConsumerBehaviour, 'codec'> {
  /** Durable consumer name: the subscription resumes where the last one with this name stopped. */
  durable?: string;
  /**
   * Subscriptions with the same `queue` share one durable consumer (named after the queue), so each message
   * is processed by one of them: JetStream's work-queue / consumer-group pattern.
   */
  queue?: string;
  /** Where a new consumer starts (default `all`); see {@link DeliverFrom}. Replay from a sequence or a time. */
  deliver?: DeliverFrom;
  /** Acknowledgement mode of this subscription. */
  ack?: AckMode;
}

const ignore = (): void => undefined;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Acks when `handler` returns, records a failed attempt when it throws (unless it settled the message itself). */
function autoAck<T>(handler: Handler<T>): Handler<T> {
  const failed = (message: Message<T>, error: unknown): void => {
    if (!message.settled) void failAttempt(message as Message<unknown>, error);
  };
  return (message) => {
    let result: unknown;
    try {
      result = handler(message);
    } catch (error) {
      failed(message, error);
      throw error;
    }
    if (!isThenable(result)) return void message.ack();
    return Promise.resolve(result).then(
      () => void message.ack(),
      (error: unknown) => {
        failed(message, error);
        throw error;
      },
    );
  };
}

/** One consumer on the server per subscription; its messages pumped into the subscription. */
class JetStreamDriver implements Driver<JetStreamPublishOptions, JetStreamSubscribeOptions> {
  readonly name = 'jetstream';
  readonly decodes = true;
  readonly subjectRules = FILTER_RULES;
  readonly #wire: JetStreamWire;
  readonly #options: JetStreamSubscriberOptions;
  /** The subscriber's consumer behaviour, the default of every subscription. */
  readonly #behaviour: ConsumerBehaviour;
  readonly #defaultTimeoutMs: number;
  #taps: Taps | undefined;

  constructor(wire: JetStreamWire, options: JetStreamSubscriberOptions, defaultTimeoutMs: number) {
    this.#wire = wire;
    this.#options = options;
    this.#behaviour = normalizeBehaviour(options);
    checkBehaviour(this.#behaviour, undefined, undefined);
    this.#defaultTimeoutMs = defaultTimeoutMs;
  }

  attach(context: DriverContext): void {
    this.#taps = context.taps;
  }

  /** A publish through the subscriber goes into JetStream too: it resolves on the server's persistence ack. */
  send(subject: string, payload: unknown, options: SendOptions<JetStreamPublishOptions> | undefined): Promise<void> {
    return publishToStream(this.#wire, subject, payload, options ?? {}, this.#defaultTimeoutMs).then(ignore);
  }

  listen(pattern: string, queue: string | undefined, sink: Sink, options: JetStreamSubscribeOptions | undefined): Listener {
    const { js, nc } = this.#wire;
    if (nc !== undefined) assertOpen(nc);
    const durable = options?.durable ?? queue;
    if (options?.durable !== undefined && queue !== undefined && options.durable !== queue) {
      throw new InvalidArgumentError('give either durable or queue (a queue is a shared durable consumer), not two different names', 'durable');
    }
    const behaviour: ConsumerBehaviour = { ...this.#behaviour, ...normalizeBehaviour(options) };
    checkBehaviour(behaviour, options?.deliver, durable);
    const info: ConsumeInfo = { system: this.name, pattern, queue };
    const policy = inboundPolicy(js, nc, behaviour, (error, message) => sink.reportError(error, message), { telemetry: this.#wire.telemetry, taps: this.#taps }, info);
    const state: { created?: CreatedConsumer; messages?: ConsumerMessages } = {};
    const batch = Math.min(resolveSubscribeOptions(options).bufferSize, 256);
    const ready = this.#run(sink, pattern, durable, options?.deliver, behaviour.ackWaitMs, batch, policy, state, js);
    return {
      ready,
      close: async () => {
        await state.messages?.close();
        if (state.created?.ephemeral) await state.created.consumer.delete().catch(ignore);
      },
    };
  }

  /** Creates the consumer, then pumps in the background; resolves once it is pulling, rejects when the server refuses it. */
  async #run(
    sink: Sink,
    pattern: string,
    durable: string | undefined,
    deliver: DeliverFrom | undefined,
    ackWaitMs: number | undefined,
    batch: number,
    policy: ReturnType<typeof inboundPolicy>,
    state: { created?: CreatedConsumer; messages?: ConsumerMessages },
    js: JetStreamClient,
  ): Promise<void> {
    let messages: ConsumerMessages;
    try {
      state.created = await createConsumer(js, this.#options.stream, pattern, durable, deliver, ackWaitMs);
      messages = state.messages = await state.created.consumer.consume({ max_messages: batch, abort_on_missing_resource: true });
    } catch (error) {
      if (sink.isClosed && state.created?.ephemeral) await state.created.consumer.delete().catch(ignore);
      // the facade ends the subscription with this reason
      throw fromJetStreamError(error, pattern, 'subscribe');
    }
    // unsubscribed while the consumer was being created: close ran before there was anything to close
    if (sink.isClosed) {
      await messages.close();
      if (state.created.ephemeral) await state.created.consumer.delete().catch(ignore);
      throw new ClosedError(`Subscription ${JSON.stringify(pattern)}`);
    }
    void pump(sink, pattern, messages, policy);
  }
}

/** Delivers the consumer's messages until it ends; a consumer lost on the server ends the subscription with why. */
async function pump(sink: Sink, pattern: string, messages: ConsumerMessages, policy: ReturnType<typeof inboundPolicy>): Promise<void> {
  let failed: unknown;
  try {
    for await (const jm of messages) {
      let message = receive<unknown>(jm, policy);
      if (message instanceof Promise) message = await message;
      if (message === undefined) continue;
      const wait = sink.deliver(message);
      // a full buffer under `block` stops pulling: consume() asks the server for more only as we take them
      if (wait !== undefined) await wait.catch(ignore);
    }
  } catch (error) {
    // the consumer is gone (deleted on the server, stream removed): end the subscription and say why
    failed = error;
  }
  const ended = failed ?? (await messages.closed());
  if (sink.isClosed) return;
  if (ended instanceof Error) await sink.end(fromJetStreamError(ended, pattern, 'consume') as Error);
  else await sink.unsubscribe();
}

/**
 * Delivery guarantee: **at-least-once**. A message is removed from the consumer only when acked; one that
 * fails, is nak'ed, or is not acked within `ackWaitMs` (a crash, a hung handler) is delivered again, with
 * `message.delivery.attempt` counting up. Handlers must therefore be idempotent (de-duplicate on
 * `message.id`: the publisher's `Nats-Msg-Id`, or `<stream>:<sequence>` for a message stored without one,
 * the same on every redelivery and replay). After `maxAttempts` failed deliveries (or at once for an error
 * `isRetryable` refuses) a message goes to `deadLetter` with the reason. Messages buffered but not handled
 * when a subscription closes are redelivered after `ackWaitMs`. Settles and dead letters are tap events
 * (`acked`, `naked`, `terminated`, `dead-lettered`). `publish` on a subscriber goes into JetStream as well.
 */
export class JetStreamSubscriber<M extends TopicMap = AnyTopics> extends TransportBus<M, JetStreamPublishOptions, BusStats, JetStreamSubscribeOptions> {
  /** The JetStream client used. */
  readonly jetstream: JetStreamClient;
  readonly #ack: AckMode;

  constructor(source: JetStreamSource, options: JetStreamSubscriberOptions) {
    if (typeof options?.stream !== 'string' || options.stream.length === 0) throw new InvalidArgumentError('createJetStreamSubscriber: options.stream must name the stream to consume', 'stream');
    const ack = checkOneOf('ack', options.ack, ACK_MODES) ?? 'auto';
    const { js, nc } = resolveJetStream(source, options.jetstream);
    // the publisher's wire, for `publish` through the subscriber; received payloads are checked by the consumer behaviour
    const wire: JetStreamWire = { js, nc, codec: options.codec ?? jsonCodec(), schema: undefined, telemetry: options.telemetry };
    super(new JetStreamDriver(wire, options, checkTimeoutMs('requestTimeoutMs', options.requestTimeoutMs) ?? DEFAULT_REQUEST_TIMEOUT_MS), options);
    this.jetstream = js;
    this.#ack = ack;
    void nc?.closed().then(() => this.close());
  }

  /**
   * Creates a consumer for `pattern` on the stream (durable when `durable` or `queue` is given, else
   * ephemeral and deleted on unsubscribe) and delivers its messages. `ready` resolves once the consumer exists
   * and is pulling; it rejects (and the subscription ends with the reason) when the server refuses it.
   */
  override subscribe<P extends string>(pattern: SubscribePattern<M, P>, handler: Handler<PatternPayload<M, P>>, options?: JetStreamSubscribeOptions): Subscription<PatternPayload<M, P>>;
  override subscribe<P extends string>(pattern: SubscribePattern<M, P>, options?: JetStreamSubscribeOptions): Subscription<PatternPayload<M, P>> & Consumer<PatternPayload<M, P>>;
  override subscribe<P extends string>(
    pattern: SubscribePattern<M, P>,
    handlerOrOptions?: Handler<PatternPayload<M, P>> | JetStreamSubscribeOptions,
    maybeOptions?: JetStreamSubscribeOptions,
  ): Subscription<PatternPayload<M, P>> & Consumer<PatternPayload<M, P>> {
    if (typeof handlerOrOptions !== 'function') return super.subscribe(pattern, handlerOrOptions);
    const mode = checkOneOf('ack', maybeOptions?.ack, ACK_MODES) ?? this.#ack;
    return super.subscribe(pattern, mode === 'auto' ? autoAck(handlerOrOptions) : handlerOrOptions, maybeOptions) as Subscription<PatternPayload<M, P>> & Consumer<PatternPayload<M, P>>;
  }
}

/**
 * A JetStream subscriber on a connection (or JetStream client) you opened, for the stream `options.stream`.
 * At-least-once: see {@link JetStreamSubscriber}.
 */
export function createJetStreamSubscriber<M extends TopicMap = AnyTopics>(source: JetStreamSource, options: JetStreamSubscriberOptions): JetStreamSubscriber<M> {
  return new JetStreamSubscriber<M>(source, options);
}
