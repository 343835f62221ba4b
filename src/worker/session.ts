/**
 * One tab's session in the worker: the subscriptions, requests and responder calls that tab opened on the
 * hosted bus, and the port its deliveries travel on. Closing the session (the tab said goodbye, or its
 * lifetime lock was released because it closed or crashed) releases all of it.
 * @module
 */
import { IsofluxError, TimeoutError } from '../core/errors.js';
import type { Publisher, Requester, Responder, Subscriber, Subscription } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { PROTOCOL_VERSION, fromWireError, toWireError, type EventItem, type Result, type SessionApi, type WireMessage } from './protocol.js';

/** What a worker can host: any bus with the whole contract (a MemoryBus, a NatsBus …). */
export type HostedBus = Publisher & Subscriber & Requester & Responder;

interface Ask {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = (error: unknown): Result<never> => ({ ok: false, error: toWireError(error) });
const toWire = (m: Message<unknown>): WireMessage => ({ subject: m.subject, payload: m.payload, headers: m.headers, id: m.id, replyTo: m.replyTo });

/** A tab's session; its `api` is exposed to that tab through comlink. */
export class Session {
  readonly api: SessionApi;
  readonly #bus: HostedBus;
  readonly #events: MessagePort;
  readonly #rpc: MessagePort;
  readonly #answerTimeoutMs: number;
  readonly #subscriptions = new Map<number, Subscription<unknown>>();
  readonly #requests = new Map<number, AbortController>();
  readonly #asks = new Map<number, Ask>();
  readonly #onClosed: () => void;
  #outbox: EventItem[] = [];
  #nextAsk = 0;
  #closed = false;

  constructor(bus: HostedBus, host: string, rpc: MessagePort, events: MessagePort, answerTimeoutMs: number, onClosed: () => void) {
    this.#bus = bus;
    this.#rpc = rpc;
    this.#events = events;
    this.#answerTimeoutMs = answerTimeoutMs;
    this.#onClosed = onClosed;
    this.api = {
      hello: (version) =>
        version === PROTOCOL_VERSION ? ok({ host }) : fail(new IsofluxError('unsupported', `The tab speaks worker protocol ${version}, the worker ${PROTOCOL_VERSION}: serve both from the same build.`)),
      publish: (items) => Promise.all(items.map(([subject, payload, headers, id]) => this.#bus.publish(subject, payload, { headers, id }).then(() => null, toWireError))),
      subscribe: (sub, pattern, queue, respond) => this.#subscribe(sub, pattern, queue, respond),
      unsubscribe: async (sub) => {
        const subscription = this.#subscriptions.get(sub);
        this.#subscriptions.delete(sub);
        await subscription?.unsubscribe();
      },
      request: (call, subject, payload, headers, id, timeoutMs) => this.#request(call, subject, payload, headers, id, timeoutMs),
      cancel: (call) => this.#requests.get(call)?.abort(),
      answer: (call, result) => {
        const ask = this.#asks.get(call);
        if (ask === undefined) return;
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

  async #subscribe(sub: number, pattern: string, queue: string | undefined, respond: boolean): Promise<Result<void>> {
    if (this.#closed) return fail(new IsofluxError('closed', 'The worker session is closed; connect again.'));
    let subscription: Subscription<unknown>;
    try {
      // Failures of a tab's responder travel back to the requester as error replies; the worker need not log them.
      const options = { queue, onError: () => undefined };
      subscription = respond
        ? this.#bus.respond(pattern, (m: Message<unknown>) => this.#ask(sub, m), options)
        : this.#bus.subscribe(pattern, (m: Message<unknown>) => this.#push([0, sub, toWire(m)]), options);
    } catch (error) {
      return fail(error);
    }
    this.#subscriptions.set(sub, subscription);
    void subscription.closed.then((reason) => {
      // Ended by the worker's side (the bus closed, a slow consumer …), not by the tab: tell the tab.
      if (this.#subscriptions.delete(sub)) this.#push([2, sub, reason === undefined ? null : toWireError(reason)]);
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
      this.#push([1, sub, call, toWire(message)]);
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
    try {
      this.#events.postMessage(items);
    } catch {
      // One payload the tab cannot receive must not sink the batch: post one by one, report the bad ones.
      for (const item of items) {
        try {
          this.#events.postMessage([item]);
        } catch (error) {
          this.#events.postMessage([[3, item[1], toWireError(error)] satisfies EventItem]);
          if (item[0] === 1) this.#asks.get(item[2])?.reject(error);
        }
      }
    }
  };

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

