/**
 * One tab's session in the worker: the subscriptions, requests and responder calls that tab opened on the
 * hosted bus, and the port its deliveries travel on. Closing the session (the tab said goodbye, or its
 * lifetime lock was released because it closed or crashed) releases all of it.
 * @module
 */
import { InvalidArgumentError, IsofluxError, TimeoutError } from '../core/errors.js';
import type { Publisher, Requester, Responder, Subscriber, Subscription } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { checkPublishItem, checkResult, isHeaders } from './decode.js';
import { ForgedReplyError, WorkerProtocolError } from './errors.js';
import { EventKind, MAX_BATCH, PROTOCOL_VERSION, fromWireError, toWireError, type EventItem, type PublishItem, type Result, type SessionApi, type WireConnection, type WireError, type WireMessage } from './protocol.js';

/** What a worker can host: any bus with the whole contract (a MemoryBus, a NatsBus …). */
export type HostedBus = Publisher & Subscriber & Requester & Responder;

interface Ask {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** What the worker dropped from its tabs, shared by every session of one host. */
export interface Tally {
  malformed: number;
  forged: number;
}

/** Reply subjects of requests delivered to a tab that it may still answer by publishing (the newest ones). */
const MAX_OPEN_REPLIES = 4096;
/** Where isoflux and NATS put reply subjects: a tab may publish there only to answer what it was sent. */
const INBOX = '_INBOX.';
const MAX_TIMEOUT_MS = 2_147_483_647;

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = (error: unknown): Result<never> => ({ ok: false, error: toWireError(error) });
const toWire = (m: Message<unknown>): WireMessage => ({ subject: m.subject, payload: m.payload, headers: m.headers, id: m.id, replyTo: m.replyTo });

/** Where a session posts its event batches: a MessagePort, or a leader tab's channel to one follower. */
export interface EventPort {
  postMessage(items: EventItem[]): void;
  close(): void;
}

/** The session's call port, closed with the session (a MessagePort; a no-op for a leader tab's followers). */
export interface CallPort {
  close(): void;
}

/** A tab's session; its `api` is exposed to that tab through comlink (or a leader tab's channel). */
export class Session {
  readonly api: SessionApi;
  readonly #bus: HostedBus;
  readonly #events: EventPort;
  readonly #rpc: CallPort;
  readonly #answerTimeoutMs: number;
  readonly #subscriptions = new Map<number, Subscription<unknown>>();
  readonly #requests = new Map<number, AbortController>();
  readonly #asks = new Map<number, Ask>();
  readonly #onClosed: () => void;
  readonly #tally: Tally;
  readonly #guardReplies: boolean;
  /** Reply subjects this tab was handed (in delivered messages) and has not answered yet. */
  readonly #replies = new Set<string>();
  #outbox: EventItem[] = [];
  #nextAsk = 0;
  #closed = false;

  constructor(
    bus: HostedBus,
    host: string,
    rpc: CallPort,
    events: EventPort,
    answerTimeoutMs: number,
    onClosed: () => void,
    tally: Tally = { malformed: 0, forged: 0 },
    guardReplies = true,
    connection: () => WireConnection | undefined = () => undefined,
  ) {
    this.#bus = bus;
    this.#tally = tally;
    this.#guardReplies = guardReplies;
    this.#rpc = rpc;
    this.#events = events;
    this.#answerTimeoutMs = answerTimeoutMs;
    this.#onClosed = onClosed;
    this.api = {
      hello: (version) => {
        const state = connection();
        return version === PROTOCOL_VERSION ? ok(state === undefined ? { host } : { host, connection: state }) : fail(new IsofluxError('unsupported', `The tab speaks worker protocol ${version}, the worker ${PROTOCOL_VERSION}: serve both from the same build.`));
      },
      publish: (items) => {
        if (!Array.isArray(items) || items.length > MAX_BATCH) return this.#malformed(`publish items are not an array of at most ${MAX_BATCH}`, []);
        const results: Array<Promise<WireError | null>> = [];
        for (let i = 0; i < items.length; i++) results.push(this.#publish(items[i] as PublishItem));
        return Promise.all(results);
      },
      subscribe: (sub, pattern, queue, respond) => {
        if (!Number.isSafeInteger(sub) || typeof pattern !== 'string' || (queue !== undefined && typeof queue !== 'string') || typeof respond !== 'boolean') return this.#malformed('subscribe arguments are malformed');
        if (this.#subscriptions.has(sub)) return this.#malformed('subscribe reuses a subscription id');
        return this.#subscribe(sub, pattern, queue, respond);
      },
      unsubscribe: async (sub) => {
        const subscription = this.#subscriptions.get(sub);
        this.#subscriptions.delete(sub);
        await subscription?.unsubscribe();
      },
      request: (call, subject, payload, headers, id, timeoutMs) => {
        const valid = Number.isSafeInteger(call) && !this.#requests.has(call) && typeof subject === 'string' && (headers === undefined || isHeaders(headers)) && (id === undefined || typeof id === 'string');
        if (!valid || typeof timeoutMs !== 'number' || !(timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) return this.#malformed('request arguments are malformed');
        return this.#request(call, subject, payload, headers, id, timeoutMs);
      },
      cancel: (call) => this.#requests.get(call)?.abort(),
      answer: (call, result) => {
        const ask = this.#asks.get(call);
        if (ask === undefined) return;
        const problem = checkResult(result);
        if (problem !== undefined) {
          this.#tally.malformed++;
          return ask.reject(new WorkerProtocolError('the tab', problem));
        }
        if (result.ok) ask.resolve(result.value);
        else ask.reject(fromWireError(result.error));
      },
      // The tab releases its comlink proxy after this answer, which closes the rpc port on this side.
      close: () => this.close(false),
    };
  }

  get subscriptions(): number {
    return this.#subscriptions.size;
  }

  /** The hosted connection's state changed: tell the tab. */
  connectionChanged(state: WireConnection): void {
    this.#push([EventKind.Connection, 0, state]);
  }

  /** Counts a malformed call and answers it with a typed error (or `answer`, where the method has no error result). */
  #malformed(detail: string): Promise<Result<never>>;
  #malformed<T>(detail: string, answer: T): Promise<T>;
  #malformed(detail: string, answer?: unknown): Promise<unknown> {
    this.#tally.malformed++;
    return Promise.resolve(answer ?? fail(new WorkerProtocolError('the tab', detail)));
  }

  #publish(item: PublishItem): Promise<WireError | null> {
    const problem = checkPublishItem(item);
    if (problem !== undefined) {
      this.#tally.malformed++;
      return Promise.resolve(toWireError(new InvalidArgumentError(`Malformed publish from the tab: ${problem}`)));
    }
    const [subject, payload, headers, id] = item;
    if (this.#guardReplies && subject.startsWith(INBOX) && !this.#replies.delete(subject)) {
      this.#tally.forged++;
      return Promise.resolve(toWireError(new ForgedReplyError(subject)));
    }
    return this.#bus.publish(subject, payload, { headers, id }).then(() => null, toWireError);
  }

  /** The wire form of a message handed to this tab; its reply subject becomes one the tab may publish to. */
  #handOver(m: Message<unknown>): WireMessage {
    if (m.replyTo !== undefined && this.#guardReplies) {
      if (this.#replies.size >= MAX_OPEN_REPLIES) this.#replies.delete(this.#replies.values().next().value as string);
      this.#replies.add(m.replyTo);
    }
    return toWire(m);
  }

  async #subscribe(sub: number, pattern: string, queue: string | undefined, respond: boolean): Promise<Result<void>> {
    if (this.#closed) return fail(new IsofluxError('closed', 'The worker session is closed; connect again.'));
    let subscription: Subscription<unknown>;
    try {
      // Failures of a tab's responder travel back to the requester as error replies; the worker need not log them.
      const options = { queue, onError: () => undefined };
      subscription = respond
        ? this.#bus.respond(pattern, (m: Message<unknown>) => this.#ask(sub, m), options)
        : this.#bus.subscribe(pattern, (m: Message<unknown>) => this.#push([EventKind.Deliver, sub, this.#handOver(m)]), options);
    } catch (error) {
      return fail(error);
    }
    this.#subscriptions.set(sub, subscription);
    void subscription.closed.then((reason) => {
      // Ended by the worker's side (the bus closed, a slow consumer …), not by the tab: tell the tab.
      if (this.#subscriptions.delete(sub)) this.#push([EventKind.Ended, sub, reason === undefined ? null : toWireError(reason)]);
    });
    try {
      await subscription.ready;
      return ok(undefined);
    } catch (error) {
      return fail(error);
    }
  }

  async #request(call: number, subject: string, payload: unknown, headers: WireMessage['headers'] | undefined, id: string | undefined, timeoutMs: number): Promise<Result<WireMessage>> {
    const controller = new AbortController();
    this.#requests.set(call, controller);
    try {
      return ok(toWire(await this.#bus.request(subject, payload, { headers, id, timeoutMs, signal: controller.signal })));
    } catch (error) {
      return fail(error);
    } finally {
      this.#requests.delete(call);
    }
  }

  /** Hands a request to the tab's responder and waits for its answer (bounded: a hung tab must not hold the worker). */
  #ask(sub: number, message: Message<unknown>): Promise<unknown> {
    const call = ++this.#nextAsk;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(() => reject(new TimeoutError('the tab responder', this.#answerTimeoutMs))), this.#answerTimeoutMs);
      const settle = (then: () => void): void => {
        clearTimeout(timer);
        this.#asks.delete(call);
        then();
      };
      this.#asks.set(call, { resolve: (v) => settle(() => resolve(v)), reject: (e) => settle(() => reject(e)) });
      this.#push([EventKind.Ask, sub, call, toWire(message)]);
    });
  }

  #push(item: EventItem): void {
    if (this.#closed) return;
    if (this.#outbox.push(item) === 1) queueMicrotask(this.#flush);
  }

  readonly #flush = (): void => {
    const items = this.#outbox;
    this.#outbox = [];
    if (this.#closed || items.length === 0) return;
    if (items.length > MAX_BATCH) {
      // A tab drops bigger frames: post the burst in slices.
      for (let i = 0; i < items.length; i += MAX_BATCH) this.#post(items.slice(i, i + MAX_BATCH));
      return;
    }
    this.#post(items);
  };

  #post(items: EventItem[]): void {
    try {
      this.#events.postMessage(items);
    } catch {
      // One payload the tab cannot receive must not sink the batch: post one by one, report the bad ones.
      for (const item of items) {
        try {
          this.#events.postMessage([item]);
        } catch (error) {
          this.#events.postMessage([[EventKind.Undeliverable, item[1], toWireError(error)] satisfies EventItem]);
          if (item[0] === EventKind.Ask) this.#asks.get(item[2])?.reject(error);
        }
      }
    }
  }

  /** Releases everything the tab opened; `closeRpc` false when the tab itself asked (it still awaits the answer). Idempotent. */
  async close(closeRpc = true): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const controller of this.#requests.values()) controller.abort();
    const gone = new IsofluxError('closed', 'The tab that answered this request closed.');
    for (const ask of [...this.#asks.values()]) ask.reject(gone);
    const subscriptions = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    await Promise.all(subscriptions.map((s) => s.unsubscribe()));
    this.#events.close();
    if (closeRpc) this.#rpc.close();
    this.#onClosed();
  }
}

