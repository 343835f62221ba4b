/**
 * Push-style JetStream subscriptions over `consumer.consume()`, with automatic or manual acknowledgement.
 * @module
 */
import type { ConsumerMessages, JetStreamClient, JetStreamOptions } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { jsonCodec, type Codec } from '../core/codec.js';
import { ClosedError, InvalidArgumentError } from '../core/errors.js';
import type { Consumer, Handler, SubscribeOptions, Subscriber, Subscription } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { BufferedSubscription } from '../core/subscription.js';
import { resolveSubscribeOptions, subscribeArguments } from '../core/subscribe-args.js';
import type { ConsumeInfo, Telemetry } from '../core/telemetry.js';
import type { AnyTopics, PatternPayload, SubscribePattern, TopicMap } from '../core/topics.js';
import { assertOpen } from '../nats/internal.js';
import { checkBehaviour, createConsumer, inboundPolicy, type ConsumerBehaviour, type CreatedConsumer, type DeliverFrom } from './consumer-setup.js';
import { fromJetStreamError } from './errors.js';
import { failAttempt, receive, type InboundPolicy } from './inbound.js';
import { resolveJetStream, type JetStreamSource } from './source.js';

/** A consumer's filter subject follows nats-server's `IsValidSubject`, which also refuses a form feed. */
const FILTER_RULES = { formFeed: false } as const;

/**
 * `auto`: the handler returning (or resolving) acks; throwing (or rejecting) naks (after `retryDelayMs`) —
 * unless the handler settled the message itself. `manual`: the handler calls `ack`, `nak(delayMs)`, `term`
 * or `inProgress`; a message it leaves unsettled is redelivered after `ackWaitMs`.
 */
export type AckMode = 'auto' | 'manual';

/** Options of {@link createJetStreamSubscriber}; each can be overridden per subscription. */
export interface JetStreamSubscriberOptions extends ConsumerBehaviour {
  /** The stream to consume; subscription patterns must lie within its subjects. */
  stream: string;
  /** Turns bytes into payloads (default `jsonCodec()`). */
  codec?: Codec<unknown>;
  /** Default acknowledgement mode (default `auto`). */
  ack?: AckMode;
  /** Default `onError` for subscriptions that give none. */
  onError?: SubscribeOptions['onError'];
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
export interface JetStreamSubscribeOptions extends SubscribeOptions, ConsumerBehaviour {
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
/** `messaging.system` of this transport's telemetry. */
const SYSTEM = 'jetstream';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Acks when `handler` returns, records a failed attempt when it throws (unless it settled the message itself). */
function autoAck<T>(handler: Handler<T>, policy: InboundPolicy): Handler<T> {
  const failed = (message: Message<T>, error: unknown): void => {
    if (!message.settled) void failAttempt(message as Message<unknown>, error, policy.retryDelay(message.delivery.attempt));
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

/**
 * Delivery guarantee: **at-least-once**. A message is removed from the consumer only when acked; one that
 * fails, is nak'ed, or is not acked within `ackWaitMs` (a crash, a hung handler) is delivered again, with
 * `message.delivery.attempt` counting up. Handlers must therefore be idempotent (de-duplicate on
 * `message.id`: the publisher's `Nats-Msg-Id`, or `<stream>:<sequence>` for a message stored without one,
 * the same on every redelivery and replay). After `maxDeliver` failed deliveries a message goes to `deadLetter` with the reason.
 * Messages buffered but not handled when a subscription closes are redelivered after `ackWaitMs`.
 */
export class JetStreamSubscriber<M extends TopicMap = AnyTopics> implements Subscriber<M, JetStreamSubscribeOptions>, AsyncDisposable {
  /** Type-only: the topic map, for inference by helpers (see `Publisher['~topics']`). */
  declare readonly '~topics'?: M;
  /** The JetStream client used. */
  readonly jetstream: JetStreamClient;
  readonly #nc: NatsConnection | undefined;
  readonly #options: JetStreamSubscriberOptions;
  readonly #codec: Codec<unknown>;
  readonly #subscriptions = new Set<BufferedSubscription<unknown>>();
  #closed = false;

  constructor(source: JetStreamSource, options: JetStreamSubscriberOptions) {
    if (typeof options?.stream !== 'string' || options.stream.length === 0) throw new InvalidArgumentError('createJetStreamSubscriber: options.stream must name the stream to consume');
    checkBehaviour(options, undefined, undefined);
    const { js, nc } = resolveJetStream(source, options.jetstream);
    this.jetstream = js;
    this.#nc = nc;
    this.#options = options;
    this.#codec = options.codec ?? jsonCodec();
    void nc?.closed().then(() => this.close());
  }

  /**
   * Creates a consumer for `pattern` on the stream (durable when `durable` or `queue` is given, else
   * ephemeral and deleted on unsubscribe) and delivers its messages. `ready` resolves once the consumer exists
   * and is pulling; it rejects (and the subscription closes, reporting the error) when the server refuses it.
   */
  subscribe<P extends string>(pattern: SubscribePattern<M, P>, handler: Handler<PatternPayload<M, P>>, options?: JetStreamSubscribeOptions): Subscription<PatternPayload<M, P>>;
  subscribe<P extends string>(pattern: SubscribePattern<M, P>, options?: JetStreamSubscribeOptions): Subscription<PatternPayload<M, P>> & Consumer<PatternPayload<M, P>>;
  subscribe<P extends string>(
    pattern: SubscribePattern<M, P>,
    handlerOrOptions?: Handler<PatternPayload<M, P>> | JetStreamSubscribeOptions,
    maybeOptions?: JetStreamSubscribeOptions,
  ): BufferedSubscription<PatternPayload<M, P>> {
    type T = PatternPayload<M, P>;
    if (this.#closed) throw new ClosedError('JetStreamSubscriber');
    if (this.#nc !== undefined) assertOpen(this.#nc);
    const args = subscribeArguments(pattern, handlerOrOptions, maybeOptions, this.#options.onError, FILTER_RULES);
    const handler = args.handler;
    const options: JetStreamSubscribeOptions = { ...args.options };
    const { bufferSize } = resolveSubscribeOptions(options);
    const durable = options.durable ?? options.queue;
    if (options.durable !== undefined && options.queue !== undefined && options.durable !== options.queue) {
      throw new InvalidArgumentError('give either durable or queue (a queue is a shared durable consumer), not two different names');
    }
    const behaviour: ConsumerBehaviour = { ...this.#options, ...options };
    checkBehaviour(behaviour, options.deliver, durable);
    const mode = options.ack ?? this.#options.ack ?? 'auto';
    if (mode !== 'auto' && mode !== 'manual') throw new InvalidArgumentError(`ack must be auto or manual, got ${JSON.stringify(mode)}`);

    let subscription: BufferedSubscription<T> | undefined;
    const telemetry = this.#options.telemetry;
    const info: ConsumeInfo = { system: SYSTEM, pattern, queue: options.queue };
    const policy = inboundPolicy(this.jetstream, this.#nc, this.#codec, behaviour, (error, message) => subscription?.reportError(error, message), telemetry, info);
    const wrapped = handler !== undefined && mode === 'auto' ? autoAck(handler, policy) : handler;
    const state: { created?: CreatedConsumer; messages?: ConsumerMessages } = {};
    let markReady!: (error?: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => (markReady = (error) => (error === undefined ? resolve() : reject(error))));
    ready.catch(ignore);
    subscription = new BufferedSubscription<T>(pattern, wrapped, options, {
      ready,
      telemetry,
      system: SYSTEM,
      onClose: async () => {
        this.#subscriptions.delete(subscription as BufferedSubscription<unknown>);
        await state.messages?.close();
        if (state.created?.ephemeral) await state.created.consumer.delete().catch(ignore);
      },
    });
    this.#subscriptions.add(subscription as BufferedSubscription<unknown>);
    void this.#run(subscription, pattern, durable, options.deliver, behaviour.ackWaitMs, Math.min(bufferSize, 256), policy, state, markReady);
    return subscription.start();
  }

  async #run<T>(
    subscription: BufferedSubscription<T>,
    pattern: string,
    durable: string | undefined,
    deliver: DeliverFrom | undefined,
    ackWaitMs: number | undefined,
    batch: number,
    policy: InboundPolicy,
    state: { created?: CreatedConsumer; messages?: ConsumerMessages },
    markReady: (error?: unknown) => void,
  ): Promise<void> {
    let messages: ConsumerMessages;
    try {
      state.created = await createConsumer(this.jetstream, this.#options.stream, pattern, durable, deliver, ackWaitMs);
      messages = state.messages = await state.created.consumer.consume({ max_messages: batch, abort_on_missing_resource: true });
    } catch (error) {
      const failure = fromJetStreamError(error, pattern, 'subscribe');
      markReady(failure);
      if (!subscription.isClosed) {
        subscription.reportError(failure);
        await subscription.unsubscribe();
      } else if (state.created?.ephemeral) await state.created.consumer.delete().catch(ignore);
      return;
    }
    // unsubscribed while the consumer was being created: onClose ran before there was anything to close
    if (subscription.isClosed) {
      await messages.close();
      if (state.created.ephemeral) await state.created.consumer.delete().catch(ignore);
      return markReady(new ClosedError(`Subscription ${JSON.stringify(pattern)}`));
    }
    markReady();
    let failed: unknown;
    try {
      for await (const jm of messages) {
        let message = receive<T>(jm, policy);
        if (message instanceof Promise) message = await message;
        if (message === undefined) continue;
        const wait = subscription.deliver(message);
        // a full buffer under `block` stops pulling: consume() asks the server for more only as we take them
        if (wait !== undefined) await wait.catch(ignore);
      }
    } catch (error) {
      // the consumer is gone (deleted on the server, stream removed): end the subscription and say why
      failed = error;
    }
    const ended = failed ?? (await messages.closed());
    if (!subscription.isClosed) {
      if (ended instanceof Error) subscription.reportError(fromJetStreamError(ended, pattern, 'consume'));
      await subscription.unsubscribe();
    }
  }

  /** Ends every subscription of this subscriber (ephemeral consumers are deleted; durables stay). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.unsubscribe()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A JetStream subscriber on a connection (or JetStream client) you opened, for the stream `options.stream`.
 * At-least-once: see {@link JetStreamSubscriber}.
 */
export function createJetStreamSubscriber<M extends TopicMap = AnyTopics>(source: JetStreamSource, options: JetStreamSubscriberOptions): JetStreamSubscriber<M> {
  return new JetStreamSubscriber<M>(source, options);
}
