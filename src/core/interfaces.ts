/**
 * The contract every transport implements, so code moves from the memory bus to NATS by changing one
 * constructor.
 * @module
 */
import type { Headers, Message } from './message.js';
import type { AnyTopics, PatternPayload, PayloadOf, PublishSubject, SubscribePattern, TopicMap } from './topics.js';

/** Handles one message. Returning (or resolving) means done; throwing means failed (nak where the transport acks). */
export type Handler<T = unknown> = (message: Message<T>) => unknown;

/** Wraps a handler in behaviour (retry, timeout, validation …); works for every payload type. */
export type Middleware = <T>(next: Handler<T>) => Handler<T>;

/** What happens when a subscriber's buffer is full. */
export type OverflowPolicy =
  /** The publisher waits until there is room: backpressure, nothing lost. */
  | 'block'
  /** The new message is dropped. */
  | 'drop-newest'
  /** The oldest buffered message is dropped to make room. */
  | 'drop-oldest'
  /** Like `drop-newest`, and after `maxConsecutiveDrops` in a row the subscription is closed with `slow_consumer`. */
  | 'disconnect';

/** Why a message was not handed to a subscriber. */
export type DropReason = 'overflow' | 'closed';

/** Options every `publish` accepts. */
export interface PublishOptions {
  /** Extra headers carried with the message. */
  headers?: Headers;
  /** The message id; one is made when omitted. Resending with the same id lets receivers de-duplicate. */
  id?: string;
  /** Aborts a publish that is still waiting (backpressure, server ack). */
  signal?: AbortSignal;
}

/** Options every `subscribe` accepts. */
export interface SubscribeOptions {
  /** The subscription ends when this aborts. */
  signal?: AbortSignal;
  /** Queue group: each message goes to one member of the group. Different groups each get every message. */
  queue?: string;
  /** Messages buffered while the handler is busy (default 1024). */
  bufferSize?: number;
  /** What to do when the buffer is full (default `block`). */
  overflow?: OverflowPolicy;
  /** For `disconnect`: consecutive drops that close the subscription (default 100). */
  maxConsecutiveDrops?: number;
  /** Called for every message not handed to this subscriber. */
  onDrop?: (message: Message<unknown>, reason: DropReason) => void;
  /** Called when the handler throws or a message cannot be decoded. Defaults to `console.error`. */
  onError?: (error: unknown, message?: Message<unknown>) => void;
}

/** Counters of one subscription. */
export interface SubscriptionStats {
  /** Messages handed to the handler or taken by a reader. */
  readonly delivered: number;
  /** Messages dropped by the overflow policy or at close. */
  readonly dropped: number;
  /** Handler failures. */
  readonly failed: number;
  /** Messages buffered now. */
  readonly pending: number;
}

/**
 * A live subscription. End it with `unsubscribe()`, its AbortSignal, `await using`, or by breaking out of
 * `for await` when it has no handler.
 */
export interface Subscription<T = unknown> extends AsyncIterable<Message<T>>, AsyncDisposable {
  /** The pattern subscribed to. */
  readonly pattern: string;
  /** Resolves once the transport has registered interest (immediately for in-process transports). */
  readonly ready: Promise<void>;
  /** Resolves when the subscription has ended; with the error that ended it, if any. */
  readonly closed: Promise<Error | undefined>;
  /** True once ended. */
  readonly isClosed: boolean;
  /** Counters. */
  readonly stats: SubscriptionStats;
  /** Stops delivery now; buffered messages are dropped. Idempotent. */
  unsubscribe(): Promise<void>;
  /** Stops receiving, finishes the buffered messages, then ends. */
  drain(): Promise<void>;
}

/** Publishes messages. */
export interface Publisher<M extends TopicMap = AnyTopics, O extends PublishOptions = PublishOptions> {
  /** Type-only: lets helpers infer the topic map of a typed bus. Never set at runtime. */
  readonly '~topics'?: M;
  /** Publishes `payload` to the literal `subject`. What "resolved" guarantees is documented per transport. */
  publish<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: O): Promise<void>;
}

/** Subscribes to subjects. */
export interface Subscriber<M extends TopicMap = AnyTopics, O extends SubscribeOptions = SubscribeOptions> {
  /** Type-only: lets helpers infer the topic map of a typed bus. Never set at runtime. */
  readonly '~topics'?: M;
  /** Calls `handler` for every message matching `pattern`. */
  subscribe<P extends string>(
    pattern: SubscribePattern<M, P>,
    handler: Handler<PatternPayload<M, P>>,
    options?: O,
  ): Subscription<PatternPayload<M, P>>;
  /** Without a handler: consume the subscription with `for await` or `fetch`. */
  subscribe<P extends string>(pattern: SubscribePattern<M, P>, options?: O): Subscription<PatternPayload<M, P>> & Consumer<PatternPayload<M, P>>;
}

/** Options of a request. */
export interface RequestOptions extends PublishOptions {
  /** How long to wait for the reply (default 5000 ms). */
  timeoutMs?: number;
}

/** Sends a request and waits for one reply. */
export interface Requester<M extends TopicMap = AnyTopics, O extends RequestOptions = RequestOptions> {
  /**
   * Rejects with `no_responders` when nobody listens, `timeout` when nobody answers in time, `remote_error`
   * when the responder threw, `aborted` when the signal aborts.
   */
  request<R = unknown, S extends PublishSubject<M> = PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: O): Promise<Message<R>>;
}

/** Answers requests: the handler's return value is the reply; a thrown error reaches the requester as `remote_error`. */
export interface Responder<M extends TopicMap = AnyTopics, O extends SubscribeOptions = SubscribeOptions> {
  respond<P extends string, R = unknown>(
    pattern: SubscribePattern<M, P>,
    handler: (message: Message<PatternPayload<M, P>>) => R | Promise<R>,
    options?: O,
  ): Subscription<PatternPayload<M, P>>;
}

/** Options of a pull. */
export interface FetchOptions {
  /** Stop waiting when this aborts (resolves with what arrived, possibly nothing). */
  signal?: AbortSignal;
  /** Stop waiting after this many ms (resolves with what arrived, possibly nothing); a positive number. */
  timeoutMs?: number;
  /**
   * @deprecated Renamed {@link FetchOptions.timeoutMs} (one name for every per-call wait); accepted until the
   * next major version. Giving both with different values is `invalid_argument`.
   */
  expiresMs?: number;
}

/** Pulls messages on demand. */
export interface Consumer<T = unknown> {
  /** Up to `max` messages; waits until at least one is there, the signal aborts or `timeoutMs` passes. */
  fetch(max: number, options?: FetchOptions): Promise<Message<T>[]>;
}
