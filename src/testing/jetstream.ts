/**
 * A fake JetStream: one stream in memory, a publisher with server acks and message-id de-duplication, and
 * a subscriber with automatic or manual ack/nak/term/in-progress, ack-wait redelivery, the real subscriber's
 * retry triple (`maxAttempts` / `backoff` / `isRetryable`) with dead letters, durable consumers and queue
 * groups (one consumer shared by its subscriptions).
 * @module
 */
import { ClosedError, InvalidArgumentError } from '../core/errors.js';
import type { Consumer, Handler, PublishOptions, Publisher, SubscribeOptions, Subscriber, Subscription } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { subscribeArguments } from '../core/subscribe-args.js';
import { BufferedSubscription } from '../core/subscription.js';
import type { AnyTopics, PatternPayload, PayloadOf, PublishSubject, SubscribePattern, TopicMap } from '../core/topics.js';
import { TAP, type Tappable, type Taps } from '../core/wiretap.js';
import { checkRetryBehaviour, normalizeBehaviour } from '../jetstream/retry-options.js';
import { checkInteger } from '../transport/wire-options.js';
import { TapSource } from './emit.js';
import { ackerOf, FakeConsumer, type FakeConsumerBehaviour, type FakeDeadLetter } from './jetstream-consumer.js';
import { FakeStream, type FakePublishAck, type FakeStreamOptions, type StoredMessage } from './jetstream-stream.js';

/** Options of one subscription (as `JetStreamSubscribeOptions`). */
export interface FakeJetStreamSubscribeOptions extends SubscribeOptions, FakeConsumerBehaviour {
  /** `auto` (default): returning acks, throwing naks. `manual`: the handler settles. */
  ack?: 'auto' | 'manual';
  /** A durable consumer: a later subscription with this name resumes where this one stopped. */
  durable?: string;
}

/** Options of {@link createFakeJetStream}: the stream, and defaults for every subscription. */
export interface FakeJetStreamOptions extends FakeStreamOptions, FakeConsumerBehaviour {
  /** Default acknowledgement mode (default `auto`). */
  ack?: 'auto' | 'manual';
  /** Where failures nobody can receive are reported (a dead-letter hand-over that failed). Default `console.error`. */
  onError?: (error: unknown) => void;
}

/** A JetStream server and client in one object: publish into its stream, subscribe to its consumers. */
export class FakeJetStream<M extends TopicMap = AnyTopics> implements Publisher<M>, Subscriber<M, FakeJetStreamSubscribeOptions>, Tappable, AsyncDisposable {
  declare readonly '~topics'?: M;
  /** The stream: every stored message, in order. */
  readonly stream: FakeStream;
  readonly #source = new TapSource('jetstream');
  /** The options, the deprecated retry names mapped onto the new ones. */
  readonly #options: FakeJetStreamOptions;
  readonly #durables = new Map<string, FakeConsumer>();
  readonly #subscriptions = new Set<BufferedSubscription<unknown>>();
  readonly #deadLetters: FakeDeadLetter[] = [];
  #closed = false;

  constructor(options: FakeJetStreamOptions = {}) {
    this.stream = new FakeStream(options);
    this.#options = checked(normalizeBehaviour(options));
  }

  get [TAP](): Taps {
    return this.#source.taps;
  }

  /** The stored messages. */
  get messages(): readonly StoredMessage[] {
    return this.stream.messages;
  }

  /** Every message given up on, oldest first. */
  get deadLetters(): readonly FakeDeadLetter[] {
    return this.#deadLetters;
  }

  /** Unacknowledged deliveries of the durable consumer (or queue group) `name`. */
  pending(name: string): number {
    return this.#durables.get(name)?.pending ?? 0;
  }

  publish<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: PublishOptions): Promise<void> {
    return this.publishWithAck(subject, payload, options).then(() => undefined);
  }

  /** Stores the message; resolves with the ack (`duplicate: true` for an id already in the window). */
  publishWithAck<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: PublishOptions): Promise<FakePublishAck> {
    try {
      if (this.#closed) throw new ClosedError('FakeJetStream');
      const ack = this.stream.store(subject, payload, options?.headers, options?.id);
      if (!ack.duplicate) this.#source.emit('published', { subject, id: ack.id, payload, headers: options?.headers });
      return Promise.resolve(ack);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  subscribe<P extends string>(
    pattern: SubscribePattern<M, P>,
    handler: Handler<PatternPayload<M, P>>,
    options?: FakeJetStreamSubscribeOptions,
  ): Subscription<PatternPayload<M, P>>;
  subscribe<P extends string>(
    pattern: SubscribePattern<M, P>,
    options?: FakeJetStreamSubscribeOptions,
  ): Subscription<PatternPayload<M, P>> & Consumer<PatternPayload<M, P>>;
  subscribe<P extends string>(
    pattern: SubscribePattern<M, P>,
    handlerOrOptions?: Handler<PatternPayload<M, P>> | FakeJetStreamSubscribeOptions,
    maybeOptions?: FakeJetStreamSubscribeOptions,
  ): BufferedSubscription<PatternPayload<M, P>> {
    if (this.#closed) throw new ClosedError('FakeJetStream');
    const { handler, options: given } = subscribeArguments(pattern, handlerOrOptions, maybeOptions);
    const options = checked(normalizeBehaviour(given));
    if (options.durable !== undefined && options.queue !== undefined && options.durable !== options.queue) {
      throw new InvalidArgumentError('give either durable or queue (a queue is a shared durable consumer), not two different names');
    }
    const behaviour: FakeConsumerBehaviour = { ...this.#options, ...options };
    const name = options.durable ?? options.queue;
    const consumer =
      name === undefined ? this.#consumer(`ephemeral-${this.#subscriptions.size + 1}`, pattern, behaviour) : this.#durable(name, pattern, behaviour);
    const mode = options.ack ?? this.#options.ack ?? 'auto';
    const wrapped = handler !== undefined && mode === 'auto' ? autoAck(handler, consumer) : handler;
    const subscription: BufferedSubscription<PatternPayload<M, P>> = new BufferedSubscription(
      pattern,
      wrapped,
      { ...options, onDrop: this.#onDrop(pattern, options) },
      {
        system: 'jetstream',
        onClose: () => {
          this.#subscriptions.delete(subscription as BufferedSubscription<unknown>);
          consumer.leave(subscription as BufferedSubscription<unknown>);
          if (name === undefined) consumer.delete();
        },
      },
    );
    this.#subscriptions.add(subscription as BufferedSubscription<unknown>);
    consumer.join(subscription as BufferedSubscription<unknown>);
    return subscription.start();
  }

  /** Ends every subscription; durable consumers keep their state until {@link close}. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.unsubscribe()));
    for (const consumer of this.#durables.values()) consumer.delete();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #consumer(name: string, filter: string, behaviour: FakeConsumerBehaviour): FakeConsumer {
    return new FakeConsumer(
      {
        stream: this.stream,
        source: this.#source,
        recordDeadLetter: (letter) => this.#deadLetters.push(letter),
        report: this.#options.onError ?? ((error) => console.error('[isoflux/testing] fake JetStream:', error)),
      },
      name,
      filter,
      behaviour,
    );
  }

  #durable(name: string, filter: string, behaviour: FakeConsumerBehaviour): FakeConsumer {
    const existing = this.#durables.get(name);
    if (existing !== undefined) {
      if (existing.filter !== filter)
        throw new InvalidArgumentError(`consumer ${JSON.stringify(name)} filters ${JSON.stringify(existing.filter)}, not ${JSON.stringify(filter)}`);
      return existing;
    }
    const created = this.#consumer(name, filter, behaviour);
    this.#durables.set(name, created);
    return created;
  }

  #onDrop(pattern: string, options: SubscribeOptions): SubscribeOptions['onDrop'] {
    return (message, reason) => {
      this.#source.emitMessage('dropped', message, { pattern, queue: options.queue, reason });
      options.onDrop?.(message, reason);
    };
  }
}

/** Checks the consumer options as the real subscriber does (`invalid_argument` naming the option). */
function checked<B extends FakeConsumerBehaviour>(behaviour: B): B {
  checkRetryBehaviour(behaviour);
  checkInteger('ackWaitMs', behaviour.ackWaitMs);
  return behaviour;
}

/** Acks when `handler` returns; a throw is a failed attempt (nak after `backoff(attempt)`, or dead letter). */
function autoAck<T>(handler: Handler<T>, consumer: FakeConsumer): Handler<T> {
  const failed = (message: Message<T>, error: unknown): never => {
    if (!message.settled) void ackerOf(message as Message<unknown>)?.fail(error, consumer.backoffFor(message.delivery.attempt));
    throw error;
  };
  return (message) => {
    let result: unknown;
    try {
      result = handler(message);
    } catch (error) {
      return failed(message, error);
    }
    if (!(result instanceof Promise)) return void message.ack();
    return result.then(
      () => void message.ack(),
      (error: unknown) => failed(message, error),
    );
  };
}

/**
 * A fake JetStream with one stream.
 *
 * ```ts
 * const js = createFakeJetStream({ subjects: ['orders.>'], maxAttempts: 3, backoff: (attempt) => attempt * 100, ackWaitMs: 1000 });
 * js.subscribe('orders.*', handle);
 * await js.publish('orders.created', { id: 'o-1' }, { id: 'o-1' });
 * ```
 */
export function createFakeJetStream<M extends TopicMap = AnyTopics>(options?: FakeJetStreamOptions): FakeJetStream<M> {
  return new FakeJetStream<M>(options);
}
