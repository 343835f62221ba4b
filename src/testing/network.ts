/**
 * A fake network: one in-process memory bus that several endpoints (tabs of a broadcast namespace, clients
 * of a NATS server) share. Each endpoint is a bus of its own (publish, subscribe, request, respond, close,
 * its own wiretap); a message reaches every matching subscription of every endpoint, and a queue group
 * spans endpoints: one member, on whichever endpoint, handles each message; when an endpoint closes, the
 * others take over.
 * @module
 */
import { ClosedError, ConnectionFailedError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type {
  Consumer,
  Handler,
  PublishOptions,
  Publisher,
  RequestOptions,
  Requester,
  Responder,
  SubscribeOptions,
  Subscriber,
  Subscription,
} from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { subscribeArguments } from '../core/subscribe-args.js';
import type { AnyTopics, PatternPayload, PayloadOf, PublishSubject, SubscribePattern, TopicMap } from '../core/topics.js';
import { TAP, type Tappable, type Taps } from '../core/wiretap.js';
import { MemoryBus } from '../memory/bus.js';
import { TapSource } from './emit.js';

/** One bus of a {@link FakeNetwork}. */
export class FakeEndpoint<M extends TopicMap = AnyTopics> implements Publisher<M>, Subscriber<M>, Requester<M>, Responder<M>, Tappable, AsyncDisposable {
  declare readonly '~topics'?: M;
  readonly #shared: MemoryBus;
  readonly #source: TapSource;
  readonly #subscriptions = new Set<Subscription<unknown>>();
  #connected = true;
  #closed = false;

  constructor(
    shared: MemoryBus,
    system: string,
    readonly name: string,
  ) {
    this.#shared = shared;
    this.#source = new TapSource(system);
  }

  get [TAP](): Taps {
    return this.#source.taps;
  }

  /** False between {@link disconnect} and {@link reconnect}. */
  get connected(): boolean {
    return this.#connected && !this.#closed;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Cuts this endpoint off, as a lost connection does: its publishes are dropped (reported as `dropped` with
   * reason `disconnected`, the promise still resolves, as NATS core does), messages for it are dropped, and
   * its subscriptions stay, to receive again after {@link reconnect}.
   */
  disconnect(): void {
    this.#connected = false;
  }

  /** Ends a {@link disconnect}. */
  reconnect(): void {
    this.#connected = true;
  }

  publish<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: PublishOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError(`fake ${this.#source.system} ${this.name}`));
    const id = options?.id ?? nextId();
    const headers = options?.headers;
    if (!this.#connected) {
      this.#source.emit('dropped', { subject, id, payload, headers, reason: 'disconnected' });
      return Promise.resolve();
    }
    this.#source.emit('published', { subject, id, payload, headers });
    return this.#shared.publish(subject, payload, { ...options, id });
  }

  subscribe<P extends string>(
    pattern: SubscribePattern<M, P>,
    handler: Handler<PatternPayload<M, P>>,
    options?: SubscribeOptions,
  ): Subscription<PatternPayload<M, P>>;
  subscribe<P extends string>(pattern: SubscribePattern<M, P>, options?: SubscribeOptions): Subscription<PatternPayload<M, P>> & Consumer<PatternPayload<M, P>>;
  subscribe<P extends string>(
    pattern: SubscribePattern<M, P>,
    handlerOrOptions?: Handler<PatternPayload<M, P>> | SubscribeOptions,
    maybeOptions?: SubscribeOptions,
  ): Subscription<PatternPayload<M, P>> {
    if (this.#closed) throw new ClosedError(`fake ${this.#source.system} ${this.name}`);
    const { handler, options } = subscribeArguments(pattern, handlerOrOptions, maybeOptions);
    const watched = this.#watch(pattern, options);
    const subscription =
      handler === undefined
        ? this.#shared.subscribe(pattern, watched)
        : this.#shared.subscribe(pattern, this.#observe(pattern, options?.queue, handler) as Handler<unknown>, watched);
    this.#track(subscription as Subscription<unknown>);
    return subscription as Subscription<PatternPayload<M, P>>;
  }

  request<R = unknown, S extends PublishSubject<M> = PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: RequestOptions): Promise<Message<R>> {
    if (this.#closed) return Promise.reject(new ClosedError(`fake ${this.#source.system} ${this.name}`));
    if (!this.#connected) return Promise.reject(new ConnectionFailedError(this.name, 'the fake connection is down (disconnect() was called)'));
    this.#source.emit('published', { subject, id: options?.id, payload, headers: options?.headers });
    return this.#shared.request<R>(subject, payload, options);
  }

  respond<P extends string, R = unknown>(
    pattern: SubscribePattern<M, P>,
    handler: (message: Message<PatternPayload<M, P>>) => R | Promise<R>,
    options?: SubscribeOptions,
  ): Subscription<PatternPayload<M, P>> {
    if (this.#closed) throw new ClosedError(`fake ${this.#source.system} ${this.name}`);
    const watched = this.#watch(pattern, options);
    const subscription = this.#shared.respond(pattern, this.#observe(pattern, options?.queue, handler) as (m: Message<unknown>) => R | Promise<R>, watched);
    this.#track(subscription as Subscription<unknown>);
    return subscription as Subscription<PatternPayload<M, P>>;
  }

  /** Closes this endpoint (a tab closing, a client leaving): its subscriptions end, queue groups fail over. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.unsubscribe()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #track(subscription: Subscription<unknown>): void {
    this.#subscriptions.add(subscription);
    void subscription.closed.then(() => this.#subscriptions.delete(subscription));
  }

  /** The caller's options with drops reported to the wiretap. */
  #watch(pattern: string, options: SubscribeOptions | undefined): SubscribeOptions {
    const onDrop = options?.onDrop;
    return {
      ...options,
      onDrop: (message, reason) => {
        this.#source.emitMessage('dropped', message, { pattern, queue: options?.queue, reason });
        onDrop?.(message, reason);
      },
    };
  }

  /** The handler, reporting each delivery and failure (and dropping what arrives while disconnected). */
  #observe<T, R>(pattern: string, queue: string | undefined, handler: (message: Message<T>) => R): (message: Message<T>) => R | undefined {
    const source = this.#source;
    return (message) => {
      if (!this.#connected) {
        source.emitMessage('dropped', message as Message<unknown>, { pattern, queue, reason: 'disconnected' });
        return undefined;
      }
      source.emitMessage('delivered', message as Message<unknown>, { pattern, queue });
      const started = performance.now();
      const failed = (error: unknown): never => {
        source.emitMessage('failed', message as Message<unknown>, { pattern, queue, error, durationMs: performance.now() - started });
        throw error;
      };
      let result: R;
      try {
        result = handler(message);
      } catch (error) {
        return failed(error);
      }
      if (result instanceof Promise) return result.catch(failed) as R;
      return result;
    };
  }
}

/** A shared in-process network of {@link FakeEndpoint}s. */
export class FakeNetwork<M extends TopicMap = AnyTopics> implements AsyncDisposable {
  /** The memory bus underneath (every endpoint's messages cross it). */
  readonly bus = new MemoryBus({ payload: 'clone' });
  readonly #endpoints: Array<FakeEndpoint<M>> = [];

  constructor(readonly system: string) {}

  /** A new endpoint on this network (named for messages and the wiretap). */
  endpoint(name = `${this.system}-${this.#endpoints.length + 1}`): FakeEndpoint<M> {
    const endpoint = new FakeEndpoint<M>(this.bus, this.system, name);
    this.#endpoints.push(endpoint);
    return endpoint;
  }

  /** Every endpoint opened, closed ones included. */
  get endpoints(): ReadonlyArray<FakeEndpoint<M>> {
    return this.#endpoints;
  }

  async close(): Promise<void> {
    await Promise.all(this.#endpoints.map((e) => e.close()));
    await this.bus.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
