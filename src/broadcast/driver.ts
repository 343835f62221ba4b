/**
 * The broadcast transport's wire code behind the kit's facade: one BroadcastChannel, the frame sender
 * (coalescing), the receiver (untrusted frames), presence and interest of the peers, local routes with
 * cross-tab queue groups, and requests whose replies are accepted only from the peers asked.
 * @module
 */
import { ClosedError, NoRespondersError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import { createMessage, type Message } from '../core/message.js';
import { PendingRequests } from '../core/pending-requests.js';
import type { PublishOptions, SubscribeOptions } from '../core/interfaces.js';
import { holdLock, webLocks, type HeldLock, type LockManagerLike } from '../core/locks.js';
import type { Driver, DriverContext, DriverRequestOptions, Listener, SendOptions, Sink } from '../transport/driver.js';
import { SubjectCheck } from '../transport/subject-check.js';
import { BroadcastUnsupportedError } from './errors.js';
import type { BroadcastBusOptions } from './options.js';
import { assertPostable } from './payload.js';
import { Peers } from './peers.js';
import { WireReceiver } from './receive.js';
import { LocalRoutes } from './routes.js';
import { FrameSender, TakenNotices } from './sender.js';
import { Kind, channelName, messageKey, type MsgItem } from './wire.js';

const RESOLVED: Promise<void> = Promise.resolve();

/** What {@link BroadcastDriver} is built from: the bus options, checked. */
export interface BroadcastWire {
  readonly namespace: string;
  readonly maxBatch: number;
  readonly readyTimeoutMs: number;
  readonly options: BroadcastBusOptions;
}

/** The BroadcastChannel wire of one bus. */
export class BroadcastDriver implements Driver<PublishOptions, SubscribeOptions> {
  readonly name = 'broadcast';
  /** Publish subjects are checked here on a route-cache miss: a hit was checked when first routed. */
  readonly subjectCheck = new SubjectCheck(undefined);
  /** This bus's id on the wire. */
  readonly id = nextId();
  /** Resolves once this bus announced itself and the peers it knew acknowledged (or `readyTimeoutMs` passed). */
  readonly ready: Promise<void>;
  readonly peers: Peers;
  readonly routes: LocalRoutes;
  readonly #channel: BroadcastChannel;
  readonly #sender: FrameSender;
  readonly #requests = new PendingRequests(this.id);
  readonly #receiver: WireReceiver;
  readonly #presence: HeldLock | undefined;
  readonly #locks: LockManagerLike | undefined;
  readonly #checkPayloads: boolean;
  /** One listener per pattern: its `ready` is the pattern's announcement. */
  readonly #listeners = new Map<string, Listener>();
  readonly #taken: TakenNotices;
  #onError: SubscribeOptions['onError'];
  #announced = false;
  #token = 0;
  #published = 0;
  #backlogDropped = 0;
  #closed = false;

  constructor({ namespace, maxBatch, readyTimeoutMs, options }: BroadcastWire) {
    this.#checkPayloads = options.checkPayloads !== false;
    this.#locks = options.locks === null ? undefined : (options.locks ?? webLocks());
    const prefix = `${channelName(namespace)}/`;
    this.peers = new Peers(this.#locks, (peer) => `${prefix}peer/${peer}`, readyTimeoutMs);
    this.routes = new LocalRoutes(
      (group) => `${prefix}queue/${group}`,
      { taken: (group, key) => this.#taken.add(group, key), backlogOverflow: () => void this.#backlogDropped++ },
      { settleMs: options.failoverSettleMs ?? 25, backlogLimit: options.standbyBacklog ?? 1024 },
    );
    this.#channel = new BroadcastChannel(channelName(namespace));
    this.#sender = new FrameSender(this.#channel, this.id, maxBatch, (error) => this.#onError?.(error));
    this.#taken = new TakenNotices(this.#sender);
    this.#receiver = new WireReceiver(
      {
        id: this.id,
        message: (from, sequence, item) => this.#received(from, sequence, item),
        peers: this.peers,
        routes: this.routes,
        announced: () => this.#announced,
        send: (item) => this.#sender.push(item),
        hello: (isReply) => void this.#hello(isReply),
      },
      options.onWireError,
    );
    this.#channel.onmessage = this.#receiver.onFrame;
    this.#channel.onmessageerror = this.#receiver.onUndecodable;
    this.#presence = this.#locks === undefined ? undefined : holdLock(this.#locks, `${prefix}peer/${this.id}`);
    // Control items go out only once this bus holds its presence lock, so a peer that starts watching the
    // lock never sees it free while we live.
    this.ready = (this.#presence?.granted ?? RESOLVED).then(() => this.#announce(), () => this.#announce());
  }

  attach(context: DriverContext): void {
    this.#onError = context.onError;
  }

  stats(): Readonly<Record<string, number>> {
    return {
      ...this.#receiver.counters,
      published: this.#published,
      framesSent: this.#sender.frames,
      peers: this.peers.size,
      subscriptions: this.routes.subscriptions.size,
      backlogDropped: this.#backlogDropped,
    };
  }

  send(subject: string, payload: unknown, options: SendOptions | undefined): Promise<void> {
    let routes = this.routes.cached(subject);
    try {
      if (routes === undefined) {
        this.subjectCheck.assert(subject);
        if (subject.startsWith(this.#requests.prefix)) return this.#replyHere(subject, payload, options);
        routes = this.routes.match(subject);
      }
      if (this.#checkPayloads) assertPostable(payload);
    } catch (error) {
      return Promise.reject(error);
    }
    const headers = options?.headers;
    const id = options?.id;
    const replyTo = options?.replyTo;
    const item: MsgItem = headers === undefined && replyTo === undefined ? (id === undefined ? [Kind.Msg, subject, payload] : [Kind.Msg, subject, payload, id]) : [Kind.Msg, subject, payload, id, headers, replyTo];
    const sequence = this.#sender.push(item);
    this.#published++;
    if (routes.length === 0) return RESOLVED;
    // the key (and default id) only when a subscriber in this tab needs it: most publishes have none here
    const key = messageKey(this.id, sequence);
    const message = createMessage({ subject, payload, headers, id: id ?? key, replyTo });
    const waits = this.routes.deliver(routes, message, key, options?.signal);
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
    const routes = this.routes.match(subject);
    if (routes.length === 0) return undefined;
    const key = messageKey(from, sequence);
    const message = createMessage({ subject, payload: item[2], id: item[3] ?? key, headers: item[4], replyTo: item[5] });
    const waits = this.routes.deliver(routes, message, key, undefined);
    // A message from another tab cannot make its publisher wait: a `block` subscriber keeps it queued, and
    // the only way that ends in a rejection is the subscription closing first (already counted as a drop).
    if (waits !== undefined) for (const wait of waits) wait.catch(() => undefined);
    return undefined;
  }

  listen(pattern: string, queue: string | undefined, sink: Sink): Listener {
    if (queue !== undefined && this.#locks === undefined) {
      throw new BroadcastUnsupportedError('Web Locks', 'A queue group across tabs', 'Browsers and Deno have navigator.locks, Node 20 does not: subscribe without `queue` here, or host one bus in a worker (isoflux/worker) and join the group there.');
    }
    let listener = this.#listeners.get(pattern);
    if (listener === undefined) this.#listeners.set(pattern, (listener = { ready: this.#announce(pattern), close: (s) => this.#remove(s) }));
    this.routes.add(pattern, queue, sink, this.#locks);
    return listener;
  }

  /** Requests go to the peers interested now; a reply from any other peer is dropped as forged. */
  async request(subject: string, payload: unknown, { timeoutMs, headers, id, signal }: DriverRequestOptions): Promise<Message<unknown>> {
    if (this.routes.match(subject).length === 0 && !this.peers.interested(subject)) throw new NoRespondersError(subject);
    const open = this.#requests.open(subject, timeoutMs, signal, this.peers.responders(subject));
    try {
      await this.send(subject, payload, { headers, id, signal, replyTo: open.replyTo });
    } catch (error) {
      open.fail(error as Error);
    }
    return open.reply;
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
    return this.peers.expectAcks(token);
  }

  #hello(isReply: boolean): Promise<void> {
    const token = isReply ? 0 : ++this.#token;
    this.#sender.push([Kind.Hello, this.routes.patterns, token, isReply]);
    return isReply ? RESOLVED : this.peers.expectAcks(token);
  }

  #remove(sink: Sink): void {
    const pattern = sink.pattern;
    if (!this.routes.remove(pattern, sink.queue, sink)) return;
    this.#listeners.delete(pattern);
    if (this.#announced && !this.#closed) this.#sender.push([Kind.Unsub, pattern]);
  }

  /**
   * The start of `close()`, before the subscriptions end: says goodbye (posting what is queued with it),
   * steps down from queue groups, releases presence and fails pending requests and `waitForPeers` with
   * `closed`. The subscriptions that end next withdraw nothing on the wire: the goodbye said it all.
   */
  async flush(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sender.close([Kind.Bye]);
    this.#channel.close();
    this.routes.closeGroups();
    this.#presence?.release();
    const error = new ClosedError('broadcast bus');
    this.peers.close(error);
    this.#requests.failAll(error);
  }
}
