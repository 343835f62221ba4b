/**
 * One network connection per origin without SharedWorker: `connectLeaderBus` elects one tab (Web Locks) to
 * host the bus, and every tab — the leader too — uses it through a session, over a BroadcastChannel.
 * When the leader closes or crashes, the next tab in line hosts a new bus; each tab re-creates its
 * subscriptions there and re-sends its unacknowledged publishes with their ids.
 * @module
 */
import { AbortedError, ClosedError, TimeoutError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { Consumer, Handler, PublishOptions, Publisher, RequestOptions, Requester, Responder, SubscribeOptions, Subscriber, Subscription } from '../core/interfaces.js';
import { webLocks } from '../core/locks.js';
import type { Message } from '../core/message.js';
import { unwrapReply } from '../core/reply.js';
import { assertSubject } from '../core/subject.js';
import { BufferedSubscription } from '../core/subscription.js';
import { publishWithTelemetry, type Telemetry } from '../core/telemetry.js';
import type { AnyTopics, PatternPayload, PayloadOf, PublishSubject, SubscribePattern, TopicMap } from '../core/topics.js';
import { WorkerConnection } from './connection.js';
import { checkHello, checkResult, checkWireMessage, decodeEvents } from './decode.js';
import { LeaderGoneError, WorkerHandshakeError, WorkerProtocolError } from './errors.js';
import { Election, type LeaderHosting, type LeaderRole } from './leader-election.js';
import type { Link } from './leader-link.js';
import { PublishQueue } from './leader-publish.js';
import type { WorkerBusOptions } from './options.js';
import { PROTOCOL_VERSION, fromWireError, type HelloAnswer, type Result, type WireMessage } from './protocol.js';
import { TabSubscriptions, type OpenSubscription } from './tab-subscriptions.js';

/** `messaging.system` of this transport's telemetry. */
const SYSTEM = 'worker';

/** Options of {@link connectLeaderBus}. */
export interface LeaderBusOptions extends WorkerBusOptions {
  /**
   * Starts what the leader hosts; called in the one tab elected, again in the next one after a handover.
   * Usually the same code a SharedWorker would run: `{ bus: connectNats(url).then(createNatsBus), connection: watchConnection(nc), close }`.
   */
  host: () => LeaderHosting;
  /** Tabs with the same name share one leader (default `'default'`). */
  name?: string;
  /** How long the leader waits for a tab's responder (default 30000 ms). */
  answerTimeoutMs?: number;
  /** See `ExposeBusOptions.guardReplies` (default true). */
  guardReplies?: boolean;
}

/** Counters of a leader bus. */
export interface LeaderBusStats {
  /** Frames and answers that were not well-formed (dropped). */
  readonly malformed: number;
  /** Well-formed frames not from the leader, or answering nothing in flight (dropped). */
  readonly forged: number;
  /** Publishes sent again to a new leader because the old one left before acknowledging them. */
  readonly resent: number;
  /** Leaders this tab has linked to so far (1 without a handover). */
  readonly leaders: number;
}

/**
 * A bus shared by the tabs of an origin through a leader tab. `publish` resolves once the leader's bus
 * accepted the message (with JetStream there: once the server stored it); until then it survives a
 * handover, re-sent under the same id — at-least-once, effectively-once into a stream that de-duplicates.
 * Requests in flight during a handover fail with `LeaderGoneError` (`connection_failed`).
 */
export class LeaderBus<M extends TopicMap = AnyTopics> implements Publisher<M>, Subscriber<M>, Requester<M>, Responder<M>, AsyncDisposable {
  readonly #options: LeaderBusOptions;
  readonly #election: Election;
  readonly #channel: BroadcastChannel;
  readonly #connection = new WorkerConnection();
  readonly #queue: PublishQueue;
  readonly #subs: TabSubscriptions;
  readonly #roleListeners = new Set<(role: LeaderRole) => void>();
  readonly #linkWaiters = new Set<() => void>();
  #link: Link | undefined;
  #dead: Error | undefined;
  #malformed = 0;
  #forged = 0;
  #leaders = 0;
  #next = 0;

  /** @internal use {@link connectLeaderBus} */
  constructor(options: LeaderBusOptions) {
    this.#options = options;
    const locks = options.locks ?? webLocks();
    if (locks === undefined || locks === null) throw new WorkerHandshakeError('this runtime has no Web Locks (navigator.locks), which the leader election needs');
    this.#queue = new PublishQueue(this.#callTimeout, () => void this.#malformed++);
    this.#subs = new TabSubscriptions(SYSTEM, options, (sub) => this.#subscribeOn(this.#link, sub), (id) => void this.#link?.call('unsubscribe', [id], this.#callTimeout).catch(() => undefined), (call, result) => void this.#link?.call('answer', [call, result], this.#callTimeout));
    this.#channel = new BroadcastChannel(`isoflux/leader/${options.name ?? 'default'}`);
    this.#election = new Election({
      name: options.name ?? 'default',
      locks,
      channel: this.#channel,
      tab: nextId(),
      host: options.host,
      answerTimeoutMs: options.answerTimeoutMs ?? 30_000,
      guardReplies: options.guardReplies ?? true,
      onLink: (link) => this.#onLink(link),
      onEvents: (items) => {
        const decoded = decodeEvents(items);
        this.#malformed += decoded.problems.length;
        for (const item of decoded.items) if (this.#subs.event(item, this.#connection)) this.#forged++;
      },
      onDrop: (forged) => void (forged ? this.#forged++ : this.#malformed++),
    });
    options.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  get #callTimeout(): number {
    return this.#options.callTimeoutMs ?? 10_000;
  }

  /** `leader` when this tab hosts the bus, `follower` when linked to another tab, `electing` in between. */
  get role(): LeaderRole {
    return this.#election.role;
  }

  /** The host id of the leader this tab is linked to now (its own when it leads). */
  get leaderId(): string | undefined {
    return this.#election.leader;
  }

  /** Calls `listener` with the role now and on every change; returns the function that stops it. */
  watchRole(listener: (role: LeaderRole) => void): () => void {
    this.#roleListeners.add(listener);
    listener(this.role);
    return () => void this.#roleListeners.delete(listener);
  }

  /** The shared connection's state, the same in every tab (`reconnecting` during a handover). */
  get connection(): WorkerConnection {
    return this.#connection;
  }

  get isClosed(): boolean {
    return this.#dead !== undefined;
  }

  get stats(): LeaderBusStats {
    const hosted = this.#election.hosted?.tally;
    return { malformed: this.#malformed + (hosted?.malformed ?? 0), forged: this.#forged + (hosted?.forged ?? 0), resent: this.#queue.resent, leaders: this.#leaders };
  }

  /** Resolves once this tab is linked to a leader (or rejects after `timeoutMs`). */
  whenLinked(timeoutMs = this.#callTimeout): Promise<void> {
    if (this.#link !== undefined) return Promise.resolve();
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#linkWaiters.delete(done);
        if (this.#dead) reject(this.#dead);
        else resolve();
      };
      const timer = setTimeout(() => {
        this.#linkWaiters.delete(done);
        reject(new TimeoutError('waiting for a leader tab', timeoutMs));
      }, timeoutMs);
      this.#linkWaiters.add(done);
    });
  }

  #onLink(link: Link | undefined): void {
    // Nothing more goes to the old leader; its unanswered publishes come back to the queue.
    this.#link = undefined;
    this.#queue.use(undefined);
    this.#connection.handover(new LeaderGoneError());
    for (const listener of [...this.#roleListeners]) listener(this.role);
    if (link !== undefined) void this.#attach(link);
  }

  async #attach(link: Link): Promise<void> {
    let hello: HelloAnswer;
    try {
      const answer = await link.call('hello', [PROTOCOL_VERSION], this.#callTimeout);
      const problem = checkHello(answer);
      if (problem !== undefined) throw new WorkerProtocolError('the leader tab', problem);
      const result = answer as Result<HelloAnswer>;
      if (!result.ok) throw fromWireError(result.error);
      hello = result.value;
    } catch (error) {
      // A leader gone meanwhile is followed by the next; one whose bus failed is shown as the state.
      if (!(error instanceof LeaderGoneError)) this.#connection.end(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.#election.leader !== link.host || this.#dead) return;
    if (hello.connection !== undefined) this.#connection.apply(hello.connection);
    else this.#connection.linked();
    this.#link = link;
    this.#leaders++;
    // Subscriptions first (the leader runs one tab's calls in order), then the publishes still unacknowledged.
    this.#subs.forEach((sub) => this.#subscribeOn(link, sub));
    this.#queue.use(link);
    for (const done of [...this.#linkWaiters]) done();
    for (const listener of [...this.#roleListeners]) listener(this.role);
  }

  /** (Re-)creates `sub` on the leader behind `link` (none yet: done when one links). */
  #subscribeOn(link: Link | undefined, sub: OpenSubscription): void {
    if (link === undefined) return;
    void link.call('subscribe', [sub.id, sub.pattern, sub.queue, sub.respond], this.#callTimeout).then(
      (value) => {
        const problem = checkResult(value);
        if (problem !== undefined) return sub.failed(new WorkerProtocolError('the leader tab', problem));
        const result = value as Result<void>;
        if (result.ok) sub.opened();
        else sub.failed(fromWireError(result.error));
      },
      (error: unknown) => {
        // the next leader re-creates it
        if (!(error instanceof LeaderGoneError)) sub.failed(error);
      },
    );
  }

  publish<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: PublishOptions): Promise<void> {
    if (this.#dead) return Promise.reject(this.#dead);
    try {
      assertSubject(subject, { wildcards: false });
    } catch (error) {
      return Promise.reject(error);
    }
    // The id is fixed now, so a re-send to the next leader is recognisably the same message.
    const id = options?.id ?? nextId();
    const telemetry = this.#options.telemetry;
    if (telemetry?.enabled()) return this.#publishTraced(subject, payload, id, options, telemetry);
    return this.#queue.add([subject, payload, options?.headers, id]);
  }

  #publishTraced(subject: string, payload: unknown, id: string, options: PublishOptions | undefined, telemetry: Telemetry): Promise<void> {
    return publishWithTelemetry(telemetry, { system: SYSTEM, subject, id }, options?.headers, (headers) => this.#queue.add([subject, payload, headers, id]));
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
    if (this.#dead) throw new ClosedError('LeaderBus');
  }

  async request<R = unknown, S extends PublishSubject<M> = PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options: RequestOptions = {}): Promise<Message<R>> {
    if (this.#dead) throw this.#dead;
    assertSubject(subject, { wildcards: false });
    const { signal, timeoutMs = this.#options.requestTimeoutMs ?? 5000 } = options;
    const what = `request on ${JSON.stringify(subject)}`;
    if (signal?.aborted) throw new AbortedError(what, signal.reason);
    const started = Date.now();
    await this.whenLinked(timeoutMs);
    const link = this.#link as Link;
    const call = ++this.#next;
    const onAbort = (): void => void link.call('cancel', [call], this.#callTimeout);
    signal?.addEventListener('abort', onAbort, { once: true });
    const left = Math.max(1, timeoutMs - (Date.now() - started));
    const telemetry = this.#options.telemetry?.enabled() ? this.#options.telemetry : undefined;
    const messageId = telemetry === undefined ? options.id : (options.id ?? nextId());
    const ask = async (headers: PublishOptions['headers']): Promise<WireMessage> => {
      const value = await link.call('request', [call, subject, payload, headers, messageId, left], left + this.#callTimeout);
      const problem = checkResult(value, checkWireMessage);
      if (problem !== undefined) throw new WorkerProtocolError('the leader tab', problem);
      const result = value as Result<WireMessage>;
      if (!result.ok) throw fromWireError(result.error);
      return result.value;
    };
    try {
      const wire = await (telemetry === undefined ? ask(options.headers) : publishWithTelemetry(telemetry, { system: SYSTEM, subject, id: messageId }, options.headers, ask));
      return unwrapReply(TabSubscriptions.toMessage(wire), subject) as Message<R>;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Waits (up to `callTimeoutMs`) for the publishes not yet acknowledged, ends every subscription and leaves
   * the election: when this tab leads, the next tab in line takes over. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#dead) return;
    await Promise.race([this.#queue.idle(), new Promise((resolve) => setTimeout(resolve, this.#callTimeout))]);
    this.#dead = new ClosedError('LeaderBus');
    this.#queue.failAll(this.#dead);
    const link = this.#link;
    await this.#subs.closeAll();
    await link?.call('close', [], this.#callTimeout).catch(() => undefined);
    await this.#election.close();
    this.#connection.end(undefined);
    for (const done of [...this.#linkWaiters]) done();
    this.#channel.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Joins the tabs of this origin that share one bus through a leader tab (see {@link LeaderBus}); resolves
 * once this tab is linked to a leader — itself, when it is the first — or rejects after `callTimeoutMs`.
 */
export async function connectLeaderBus<M extends TopicMap = AnyTopics>(options: LeaderBusOptions): Promise<LeaderBus<M>> {
  const bus = new LeaderBus<M>(options);
  try {
    await bus.whenLinked();
  } catch (cause) {
    await bus.close();
    throw new WorkerHandshakeError('no leader tab answered in time', { cause });
  }
  return bus;
}
