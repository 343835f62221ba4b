/**
 * The tab side: `connectWorkerBus(worker)` returns a bus with the usual contract whose work happens in the
 * worker. It fixes comlink's weak spots: no proxy is ever handed out (nothing leaks), every call has a
 * timeout, calls fail at once with `closed` when the worker dies, and errors keep their class and `code`.
 * @module
 */
import { releaseProxy, wrap, type Remote } from 'comlink';
import { AbortedError, ClosedError, TimeoutError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { Consumer, Handler, PublishOptions, Publisher, RequestOptions, Requester, Responder, SubscribeOptions, Subscriber, Subscription } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { unwrapReply } from '../core/reply.js';
import { assertSubject } from '../core/subject.js';
import { BufferedSubscription } from '../core/subscription.js';
import { publishWithTelemetry, type Telemetry } from '../core/telemetry.js';
import type { WorkerBusOptions, WorkerBusStats, WorkerTarget } from './options.js';
import type { AnyTopics, PatternPayload, PayloadOf, PublishSubject, SubscribePattern, TopicMap } from '../core/topics.js';
import { checkHello, checkPublishResults, checkResult, checkWireMessage, decodeEvents } from './decode.js';
import { WorkerGoneError, WorkerHandshakeError, WorkerProtocolError } from './errors.js';
import { guardAnswers } from './guard.js';
import { holdLock, watchLock, webLocks, type HeldLock, type LockManagerLike } from '../core/locks.js';
import { OPEN, PROTOCOL_VERSION, asNotSerializable, fromWireError, type HelloAnswer, type OpenMessage, type PublishItem, type Result, type SessionApi, type WireMessage } from './protocol.js';
import { PublishBatch } from './publish-batch.js';
import { WorkerConnection } from './connection.js';
import { TabSubscriptions, type OpenSubscription } from './tab-subscriptions.js';

/** `messaging.system` of this transport's telemetry. */
const SYSTEM = 'worker';
function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw fromWireError(result.error);
}

/**
 * A bus whose work happens in a worker. `publish` resolves once the worker's bus accepted the message (the
 * publishes of one tick travel in one call); delivery guarantees are the hosted bus's. Messages reach the
 * tab without an acker (settle them in the worker when that matters).
 */
export class WorkerBus<M extends TopicMap = AnyTopics> implements Publisher<M>, Subscriber<M>, Requester<M>, Responder<M>, AsyncDisposable {
  readonly #remote: Remote<SessionApi>;
  readonly #rpc: MessagePort;
  readonly #events: MessagePort;
  readonly #lifetime: HeldLock | undefined;
  readonly #options: WorkerBusOptions;
  readonly #subs: TabSubscriptions;
  readonly #pending = new Set<(error: Error) => void>();
  readonly #batch: PublishBatch;
  readonly #connection = new WorkerConnection();
  #unwatch: (() => void) | undefined;
  #next = 0;
  #dead: Error | undefined;
  #malformed = 0;
  #forged = 0;

  /** @internal use {@link connectWorkerBus} */
  constructor(rpc: MessagePort, events: MessagePort, lifetime: HeldLock | undefined, options: WorkerBusOptions) {
    this.#rpc = rpc;
    this.#events = events;
    this.#lifetime = lifetime;
    this.#options = options;
    this.#remote = wrap<SessionApi>(guardAnswers(rpc, (_detail, forged) => void (forged ? this.#forged++ : this.#malformed++)));
    this.#batch = new PublishBatch((items: PublishItem[]) => this.#call('publish', () => this.#remote.publish(items), (v) => checkPublishResults(v, items.length)));
    this.#subs = new TabSubscriptions(
      SYSTEM,
      options,
      (sub) => this.#subscribeRemote(sub),
      (id) => void (this.#dead ? undefined : this.#call('unsubscribe', () => this.#remote.unsubscribe(id)).catch(() => undefined)),
      (call, result) => void this.#remote.answer(call, result).catch(() => undefined),
    );
    events.onmessage = (event: MessageEvent) => {
      const { items, problems } = decodeEvents(event.data);
      this.#malformed += problems.length;
      for (const item of items) if (this.#subs.event(item, this.#connection)) this.#forged++;
    };
    options.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** @internal the handshake: checks the protocol and starts watching the worker's lifetime. */
  async handshake(locks: LockManagerLike | undefined): Promise<void> {
    let host: string;
    try {
      const hello = unwrap(await this.#call<Result<HelloAnswer>>('hello', () => this.#remote.hello(PROTOCOL_VERSION), checkHello));
      host = hello.host;
      if (hello.connection !== undefined) this.#connection.apply(hello.connection);
    } catch (cause) {
      const error = new WorkerHandshakeError(cause instanceof TimeoutError ? 'the worker did not answer in time' : 'the worker refused', { cause });
      await this.#shutDown(error, false);
      throw error;
    }
    if (locks !== undefined) this.#unwatch = watchLock(locks, `isoflux/worker/host/${host}`, () => void this.#shutDown(new WorkerGoneError(), false));
  }

  get isClosed(): boolean {
    return this.#dead !== undefined;
  }

  /**
   * The state of the worker's network connection (connecting / connected / reconnecting / offline / closed,
   * last error, round-trip time), the same in every tab: read `connection.current` or `connection.subscribe(fn)`.
   * Needs `exposeBus(bus, { connection: watchConnection(nc) })` in the worker; without it this shows the
   * tab's link to the worker (`connected`, then `closed` when the bus closes or the worker dies).
   */
  get connection(): WorkerConnection {
    return this.#connection;
  }

  /** What was dropped from the worker's side; see {@link WorkerBusStats}. */
  get stats(): WorkerBusStats {
    return { malformed: this.#malformed, forged: this.#forged };
  }

  publish<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: PublishOptions): Promise<void> {
    if (this.#dead) return Promise.reject(this.#dead);
    try {
      assertSubject(subject, { wildcards: false });
    } catch (error) {
      return Promise.reject(error);
    }
    const telemetry = this.#options.telemetry;
    if (telemetry?.enabled()) return this.#publishTraced(subject, payload, options, telemetry);
    return this.#batch.add([subject, payload, options?.headers, options?.id]);
  }

  /** Kept out of `publish` so the untraced path allocates nothing for telemetry. */
  #publishTraced(subject: string, payload: unknown, options: PublishOptions | undefined, telemetry: Telemetry): Promise<void> {
    const id = options?.id ?? nextId();
    return publishWithTelemetry(telemetry, { system: SYSTEM, subject, id }, options?.headers, (headers) => this.#batch.add([subject, payload, headers, id]));
  }

  subscribe<P extends string>(pattern: SubscribePattern<M, P>, handler: Handler<PatternPayload<M, P>>, options?: SubscribeOptions): Subscription<PatternPayload<M, P>>;
  subscribe<P extends string>(pattern: SubscribePattern<M, P>, options?: SubscribeOptions): Subscription<PatternPayload<M, P>> & Consumer<PatternPayload<M, P>>;
  subscribe<P extends string>(pattern: SubscribePattern<M, P>, handlerOrOptions?: Handler<PatternPayload<M, P>> | SubscribeOptions, maybeOptions?: SubscribeOptions): BufferedSubscription<PatternPayload<M, P>> {
    this.#assertOpen();
    return this.#subs.subscribe(pattern, handlerOrOptions as Handler<unknown> | SubscribeOptions | undefined, maybeOptions) as BufferedSubscription<PatternPayload<M, P>>;
  }

  respond<P extends string, R = unknown>(pattern: SubscribePattern<M, P>, handler: (message: Message<PatternPayload<M, P>>) => R | Promise<R>, options?: SubscribeOptions): Subscription<PatternPayload<M, P>> {
    this.#assertOpen();
    return this.#subs.respond(pattern, handler as (message: Message<unknown>) => unknown, options) as Subscription<PatternPayload<M, P>>;
  }

  #assertOpen(): void {
    if (this.#dead) throw this.#dead instanceof WorkerGoneError ? this.#dead : new ClosedError('WorkerBus');
  }

  /** Opens `sub` in the worker; a refusal ends it with the error (reported; `ready` rejects with it). */
  #subscribeRemote(sub: OpenSubscription): void {
    this.#call<Result<void>>('subscribe', () => this.#remote.subscribe(sub.id, sub.pattern, sub.queue, sub.respond), (v) => checkResult(v))
      .then(unwrap)
      .then(
        () => sub.opened(),
        (error: unknown) => sub.failed(error),
      );
  }

  async request<R = unknown, S extends PublishSubject<M> = PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options: RequestOptions = {}): Promise<Message<R>> {
    if (this.#dead) throw this.#dead;
    assertSubject(subject, { wildcards: false });
    const { signal, timeoutMs = this.#options.requestTimeoutMs ?? 5000 } = options;
    const what = `request on ${JSON.stringify(subject)}`;
    if (signal?.aborted) throw new AbortedError(what, signal.reason);
    const id = ++this.#next;
    const onAbort = (): void => void this.#remote.cancel(id);
    signal?.addEventListener('abort', onAbort, { once: true });
    const telemetry = this.#options.telemetry?.enabled() ? this.#options.telemetry : undefined;
    const messageId = telemetry === undefined ? options.id : (options.id ?? nextId());
    const ask = (headers: PublishOptions['headers']): Promise<Result<WireMessage>> =>
      this.#call<Result<WireMessage>>('request', () => this.#remote.request(id, subject, payload, headers, messageId, timeoutMs), (v) => checkResult(v, checkWireMessage), timeoutMs + (this.#options.callTimeoutMs ?? 10_000));
    try {
      const result = await (telemetry === undefined ? ask(options.headers) : publishWithTelemetry(telemetry, { system: SYSTEM, subject, id: messageId }, options.headers, ask));
      return unwrapReply(TabSubscriptions.toMessage(unwrap(result)), subject) as Message<R>;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Calls the worker with a timeout; fails at once with the death error when the worker dies meanwhile, and
   * with `decode_failed` (counted) when `check` finds the answer malformed.
   */
  #call<T>(what: string, invoke: () => Promise<T>, check?: (value: unknown) => string | undefined, timeoutMs = this.#options.callTimeoutMs ?? 10_000): Promise<T> {
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise<T>((resolve, reject) => {
      const fail = (error: Error): void => finish(() => reject(error));
      const timer = setTimeout(() => fail(new TimeoutError(`worker call ${what}`, timeoutMs)), timeoutMs);
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        this.#pending.delete(fail);
        then();
      };
      this.#pending.add(fail);
      let call: Promise<T>;
      try {
        call = invoke();
      } catch (error) {
        return fail(asNotSerializable(error) as Error);
      }
      call.then(
        (value) => {
          const problem = check?.(value);
          if (problem === undefined) return finish(() => resolve(value));
          this.#malformed++;
          fail(new WorkerProtocolError('the worker', problem));
        },
        (error: unknown) => fail(asNotSerializable(error) as Error),
      );
    });
  }

  /** Ends every subscription, tells the worker to release this tab's session, and closes the ports. Idempotent. */
  async close(): Promise<void> {
    if (this.#dead) return;
    await this.#shutDown(new ClosedError('WorkerBus'), true);
  }

  async #shutDown(reason: Error, polite: boolean): Promise<void> {
    if (this.#dead) return;
    if (polite) await this.#batch.flush();
    this.#dead = reason;
    this.#connection.end(polite ? undefined : reason);
    this.#unwatch?.();
    for (const fail of [...this.#pending]) fail(reason);
    await this.#subs.closeAll(reason instanceof ClosedError && polite ? undefined : reason);
    if (polite) {
      await Promise.race([this.#remote.close(), new Promise((resolve) => setTimeout(resolve, this.#options.callTimeoutMs ?? 10_000))]).catch(() => undefined);
      this.#remote[releaseProxy]();
    }
    this.#rpc.close();
    this.#events.close();
    this.#lifetime?.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Connects this tab to the bus a worker serves with `exposeBus`. `target` is a `Worker`, a `SharedWorker`
 * (its port is used) or a MessagePort. Resolves once the worker answered the handshake; rejects with
 * `connection_failed` when it does not within `callTimeoutMs`. Costs two MessageChannels and one Web Lock.
 */
export async function connectWorkerBus<M extends TopicMap = AnyTopics>(target: WorkerTarget, options: WorkerBusOptions = {}): Promise<WorkerBus<M>> {
  const endpoint = 'port' in target ? target.port : target;
  const locks = options.locks === null ? undefined : (options.locks ?? webLocks());
  const client = nextId();
  const lifetime = locks === undefined ? undefined : holdLock(locks, `isoflux/worker/client/${client}`);
  // The worker starts watching this lock as soon as it sees the open message: hold it first.
  await lifetime?.granted.catch(() => undefined);
  const rpc = new MessageChannel();
  const events = new MessageChannel();
  const bus = new WorkerBus<M>(rpc.port1, events.port1, lifetime, options);
  const open: OpenMessage = { type: OPEN, version: PROTOCOL_VERSION, client, rpc: rpc.port2, events: events.port2 };
  endpoint.postMessage(open, [rpc.port2, events.port2]);
  if ('start' in endpoint) endpoint.start();
  await bus.handshake(locks);
  return bus;
}
