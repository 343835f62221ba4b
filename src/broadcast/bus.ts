/**
 * The cross-tab bus: the same contract as every transport, carried by BroadcastChannel between the tabs,
 * iframes and workers of one origin.
 * @module
 */
import { ClosedError, InvalidArgumentError, NoRespondersError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { Consumer, Handler, PublishOptions, Publisher, RequestOptions, Requester, Responder, SubscribeOptions, Subscriber, Subscription } from '../core/interfaces.js';
import { createMessage, type Message } from '../core/message.js';
import { answering, unwrapReply } from '../core/reply.js';
import { assertSubject } from '../core/subject.js';
import { BufferedSubscription } from '../core/subscription.js';
import { subscribeArguments } from '../core/subscribe-args.js';
import { publishWithTelemetry, type Telemetry } from '../core/telemetry.js';
import type { AnyTopics, PatternPayload, PayloadOf, PublishSubject, SubscribePattern, TopicMap } from '../core/topics.js';
import { BroadcastUnsupportedError } from './errors.js';
import { holdLock, webLocks, type HeldLock, type LockManagerLike } from '../core/locks.js';
import type { BroadcastBusOptions, BroadcastBusStats } from './options.js';
import { assertPostable } from './payload.js';
import { Peers } from './peers.js';
import { PendingRequests } from '../core/pending-requests.js';
import { LocalRoutes } from './routes.js';
import { FrameSender, TakenNotices } from './sender.js';
import { WireReceiver } from './receive.js';
import { Kind, MAX_FRAME_ITEMS, WIRE_VERSION, channelName, messageKey, type MsgItem } from './wire.js';

const RESOLVED: Promise<void> = Promise.resolve();
/** `messaging.system` of this transport's telemetry. */
const SYSTEM = 'broadcast';

/**
 * Delivery: **at-most-once**, in publish order per publisher, to every matching subscriber in every tab of
 * the namespace (this one included, exactly once). `publish` resolves once local subscribers accepted the
 * message; other tabs get it at the end of the current tick, batched with everything else published in that
 * tick (one `postMessage`). Payloads are structured-cloned: no functions; the receiving tabs get copies,
 * subscribers in this tab share the published object, so treat payloads as read-only after publishing.
 *
 * Queue groups need Web Locks (browsers, Deno): each message goes to one member in one tab, and another tab
 * takes over when the handling tab closes (see {@link CrossTabGroup}). `no_responders` is decided from the
 * interest every tab announces; a subscription's `ready` resolves once the tabs known to this one recorded it.
 */
export class BroadcastBus<M extends TopicMap = AnyTopics>
  implements Publisher<M>, Subscriber<M>, Requester<M>, Responder<M>, AsyncDisposable
{
  /** This bus's id on the wire (a tab opening several buses has several ids). */
  readonly id = nextId();
  readonly namespace: string;
  /** Resolves once this bus announced itself and the peers it knew acknowledged (or `ackTimeoutMs` passed). */
  readonly ready: Promise<void>;
  readonly #channel: BroadcastChannel;
  readonly #sender: FrameSender;
  readonly #peers: Peers;
  readonly #routes: LocalRoutes;
  readonly #requests = new PendingRequests(this.id);
  readonly #receiver: WireReceiver;
  readonly #presence: HeldLock | undefined;
  readonly #locks: LockManagerLike | undefined;
  readonly #options: BroadcastBusOptions;
  readonly #announcements = new Map<string, Promise<void>>();
  readonly #taken: TakenNotices;
  #announced = false;
  #token = 0;
  #published = 0;
  #backlogDropped = 0;
  #closed = false;

  constructor(options: BroadcastBusOptions = {}) {
    if (typeof BroadcastChannel !== 'function') {
      throw new BroadcastUnsupportedError('BroadcastChannel', 'The broadcast bus', 'Browsers, their workers and Deno have it; Cloudflare Workers do not: use the nats or http transport there.');
    }
    const { namespace = 'default', maxBatch = 1000 } = options;
    if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 200) throw new InvalidArgumentError(`namespace must be a non-empty string of at most 200 characters, got ${JSON.stringify(namespace)}`);
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_FRAME_ITEMS) throw new InvalidArgumentError(`maxBatch must be an integer from 1 to ${MAX_FRAME_ITEMS}, got ${String(maxBatch)}`);
    this.namespace = namespace;
    this.#options = options;
    this.#locks = options.locks === null ? undefined : (options.locks ?? webLocks());
    const prefix = `${channelName(namespace)}/`;
    this.#peers = new Peers(this.#locks, (peer) => `${prefix}peer/${peer}`, options.ackTimeoutMs ?? 1000);
    this.#routes = new LocalRoutes(
      (group) => `${prefix}queue/${group}`,
      { taken: (group, key) => this.#taken.add(group, key), backlogOverflow: () => void this.#backlogDropped++ },
      { settleMs: options.failoverSettleMs ?? 25, backlogLimit: options.standbyBacklog ?? 1024 },
    );
    this.#channel = new BroadcastChannel(channelName(namespace));
    this.#sender = new FrameSender(this.#channel, this.id, maxBatch, (error) => this.#options.onError?.(error));
    this.#taken = new TakenNotices(this.#sender);
    this.#receiver = new WireReceiver({
      id: this.id,
      message: (from, sequence, item) => this.#received(from, sequence, item),
      peers: this.#peers,
      routes: this.#routes,
      announced: () => this.#announced,
      send: (item) => this.#sender.push(item),
      hello: (isReply) => void this.#hello(isReply),
    }, options.onWireError);
    this.#channel.onmessage = this.#receiver.onFrame;
    this.#channel.onmessageerror = this.#receiver.onUndecodable;
    this.#presence = this.#locks === undefined ? undefined : holdLock(this.#locks, `${prefix}peer/${this.id}`);
    // Control items go out only once this bus holds its presence lock, so a peer that starts watching the
    // lock never sees it free while we live.
    this.ready = (this.#presence?.granted ?? RESOLVED).then(() => this.#announce(), () => this.#announce());
    options.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** Wire version this build speaks. */
  static readonly wireVersion = WIRE_VERSION;

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Ids of the other buses on this namespace known now. */
  get peers(): string[] {
    return this.#peers.ids;
  }

  get stats(): BroadcastBusStats {
    return {
      ...this.#receiver.counters,
      published: this.#published,
      framesSent: this.#sender.frames,
      peers: this.#peers.size,
      subscriptions: this.#routes.subscriptions.size,
      backlogDropped: this.#backlogDropped,
    };
  }

  /**
   * True while this tab leads the queue group `queue` on `pattern`, i.e. hands out its messages (false in a
   * standby tab, and during the short settling after a takeover). For showing ownership; routing needs no call.
   */
  isLeader(pattern: string, queue: string): boolean {
    return this.#routes.group(`${queue} ${pattern}`)?.isLeader ?? false;
  }

  /** Resolves once at least `count` other buses on this namespace are known (e.g. "wait for the other tab"). */
  waitForPeers(count: number, signal?: AbortSignal): Promise<void> {
    return this.#closed ? Promise.reject(new ClosedError('BroadcastBus')) : this.#peers.waitFor(count, signal);
  }

  publish<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: PublishOptions): Promise<void> {
    const telemetry = this.#options.telemetry;
    if (telemetry?.enabled()) return this.#publishTraced(subject, payload, options, undefined, telemetry);
    return this.#publish(subject, payload, options, undefined);
  }

  /** Kept out of `publish` so the untraced path allocates nothing for telemetry. */
  #publishTraced(subject: string, payload: unknown, options: PublishOptions | undefined, replyTo: string | undefined, telemetry: Telemetry): Promise<void> {
    return publishWithTelemetry(telemetry, { system: SYSTEM, subject, id: options?.id }, options?.headers, (headers) => this.#publish(subject, payload, { ...options, headers }, replyTo));
  }

  #publish(subject: string, payload: unknown, options: PublishOptions | undefined, replyTo: string | undefined): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('BroadcastBus'));
    let routes = this.#routes.cached(subject);
    try {
      if (routes === undefined) {
        assertSubject(subject, { wildcards: false });
        if (subject.startsWith(this.#requests.prefix)) return this.#replyHere(subject, payload, options);
        routes = this.#routes.match(subject);
      }
      if (this.#options.checkPayloads !== false) assertPostable(payload);
    } catch (error) {
      return Promise.reject(error);
    }
    const headers = options?.headers;
    const id = options?.id;
    const item: MsgItem = headers === undefined && replyTo === undefined ? (id === undefined ? [Kind.Msg, subject, payload] : [Kind.Msg, subject, payload, id]) : [Kind.Msg, subject, payload, id, headers, replyTo];
    const sequence = this.#sender.push(item);
    this.#published++;
    if (routes.length === 0) return RESOLVED;
    // the key (and default id) only when a subscriber in this tab needs it: most publishes have none here
    const key = messageKey(this.id, sequence);
    const message = createMessage({ subject, payload, headers, id: id ?? key, replyTo });
    const waits = this.#routes.deliver(routes, message, key, options?.signal);
    return waits === undefined ? RESOLVED : Promise.all(waits).then(() => undefined);
  }

  /** A reply to a request of this very bus (the responder is in this tab): no need to leave the tab. */
  #replyHere(replyTo: string, payload: unknown, options: PublishOptions | undefined): Promise<void> {
    this.#requests.resolveFrom(replyTo, undefined, createMessage({ subject: replyTo, payload, headers: options?.headers, id: options?.id }));
    return RESOLVED;
  }

  /** A message from another tab; returns why it was dropped as forged, if it was. */
  #received(from: string, sequence: number, item: MsgItem): string | undefined {
    const subject = item[1];
    if (subject.startsWith(this.#requests.prefix)) {
      const outcome = this.#requests.resolveFrom(subject, from, createMessage({ subject, payload: item[2], id: item[3] ?? messageKey(from, sequence), headers: item[4] }));
      return outcome === 'forged' ? `a reply from ${JSON.stringify(from.slice(0, 64))}, a peer the request did not go to` : undefined;
    }
    const routes = this.#routes.match(subject);
    if (routes.length === 0) return undefined;
    const key = messageKey(from, sequence);
    const message = createMessage({ subject, payload: item[2], id: item[3] ?? key, headers: item[4], replyTo: item[5] });
    const waits = this.#routes.deliver(routes, message, key, undefined);
    // A message from another tab cannot make its publisher wait: a `block` subscriber keeps it queued, and
    // the only way that ends in a rejection is the subscription closing first (already counted as a drop).
    if (waits !== undefined) for (const wait of waits) wait.catch(() => undefined);
    return undefined;
  }

  subscribe<P extends string>(pattern: SubscribePattern<M, P>, handler: Handler<PatternPayload<M, P>>, options?: SubscribeOptions): Subscription<PatternPayload<M, P>>;
  subscribe<P extends string>(pattern: SubscribePattern<M, P>, options?: SubscribeOptions): Subscription<PatternPayload<M, P>> & Consumer<PatternPayload<M, P>>;
  subscribe<P extends string>(
    pattern: SubscribePattern<M, P>,
    handlerOrOptions?: Handler<PatternPayload<M, P>> | SubscribeOptions,
    maybeOptions?: SubscribeOptions,
  ): BufferedSubscription<PatternPayload<M, P>> {
    if (this.#closed) throw new ClosedError('BroadcastBus');
    const { handler, options } = subscribeArguments(pattern, handlerOrOptions, maybeOptions, this.#options.onError);
    const queue = options?.queue;
    if (queue !== undefined && this.#locks === undefined) {
      throw new BroadcastUnsupportedError('Web Locks', 'A queue group across tabs', 'Browsers and Deno have navigator.locks, Node 20 does not: subscribe without `queue` here, or host one bus in a worker (isoflux/worker) and join the group there.');
    }
    let ready = this.#announcements.get(pattern);
    if (ready === undefined) this.#announcements.set(pattern, (ready = this.#announce(pattern)));
    const subscription: BufferedSubscription<PatternPayload<M, P>> = new BufferedSubscription(pattern, handler, options, {
      onClose: () => this.#remove(pattern, queue, subscription as BufferedSubscription<unknown>),
      ready,
      telemetry: this.#options.telemetry,
      system: SYSTEM,
    });
    this.#routes.add(pattern, queue, subscription as BufferedSubscription<unknown>, this.#locks);
    return subscription.start();
  }

  /** Announces the whole interest (hello) or one new pattern; resolves once the peers known now recorded it. */
  #announce(pattern?: string): Promise<void> {
    if (this.#closed) return RESOLVED;
    if (pattern === undefined) {
      this.#announced = true;
      return this.#hello(false);
    }
    // Not announced yet: the hello will carry every pattern subscribed by then.
    if (!this.#announced) return this.ready;
    const token = ++this.#token;
    this.#sender.push([Kind.Sub, pattern, token]);
    return this.#peers.expectAcks(token);
  }

  #hello(isReply: boolean): Promise<void> {
    const token = isReply ? 0 : ++this.#token;
    this.#sender.push([Kind.Hello, this.#routes.patterns, token, isReply]);
    return isReply ? RESOLVED : this.#peers.expectAcks(token);
  }

  #remove(pattern: string, queue: string | undefined, subscription: BufferedSubscription<unknown>): void {
    if (!this.#routes.remove(pattern, queue, subscription)) return;
    this.#announcements.delete(pattern);
    if (this.#announced && !this.#closed) this.#sender.push([Kind.Unsub, pattern]);
  }

  async request<R = unknown, S extends PublishSubject<M> = PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options: RequestOptions = {}): Promise<Message<R>> {
    if (this.#closed) throw new ClosedError('BroadcastBus');
    assertSubject(subject, { wildcards: false });
    if (this.#routes.match(subject).length === 0 && !this.#peers.interested(subject)) throw new NoRespondersError(subject);
    const open = this.#requests.open(subject, options.timeoutMs ?? this.#options.requestTimeoutMs ?? 5000, options.signal, this.#peers.responders(subject));
    const telemetry = this.#options.telemetry;
    try {
      if (telemetry?.enabled()) await this.#publishTraced(subject, payload, options, open.replyTo, telemetry);
      else await this.#publish(subject, payload, options, open.replyTo);
    } catch (error) {
      open.fail(error as Error);
    }
    return unwrapReply((await open.reply) as Message<R>, subject);
  }

  respond<P extends string, R = unknown>(
    pattern: SubscribePattern<M, P>,
    handler: (message: Message<PatternPayload<M, P>>) => R | Promise<R>,
    options?: SubscribeOptions,
  ): Subscription<PatternPayload<M, P>> {
    return this.subscribe(pattern, answering(handler, (replyTo, result, headers) => this.#publish(replyTo, result, { headers }, undefined)), options);
  }

  /**
   * Says goodbye to the other tabs (they forget this bus's interest at once), steps down from queue groups
   * (the next tab takes over), ends every subscription and fails pending requests with `closed`. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sender.close([Kind.Bye]);
    this.#channel.close();
    this.#routes.closeGroups();
    this.#presence?.release();
    const error = new ClosedError('BroadcastBus');
    this.#peers.close(error);
    this.#requests.failAll(error);
    await Promise.all([...this.#routes.subscriptions].map((s) => s.unsubscribe()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates a bus shared by every tab, iframe and worker of this origin that uses the same namespace. Throws
 * `unsupported` where BroadcastChannel is missing (Cloudflare Workers). Costs one BroadcastChannel and, with
 * Web Locks, one held lock plus one waiting lock request per known peer; close it when done.
 */
export function createBroadcastBus<M extends TopicMap = AnyTopics>(options?: BroadcastBusOptions): BroadcastBus<M> {
  return new BroadcastBus<M>(options);
}
