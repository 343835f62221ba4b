/**
 * A tab's subscriptions and responders on a bus hosted elsewhere (a worker, a leader tab): each keeps its id, pattern
 * and queue, so it can be re-created on the next host, and the session events that feed it (deliveries,
 * asks, ended, undeliverable, connection state) are dispatched here.
 * @module
 */
import type { Handler, SubscribeOptions } from '../core/interfaces.js';
import { createMessage, type Message } from '../core/message.js';
import { assertQueueName, assertSubject } from '../core/subject.js';
import { resolveSubscribeOptions } from '../core/subscribe-args.js';
import { BufferedSubscription } from '../core/subscription.js';
import type { Telemetry } from '../core/telemetry.js';
import type { WorkerConnection } from './connection.js';
import { EventKind, asNotSerializable, fromWireError, toWireError, type EventItem, type Result, type WireMessage } from './protocol.js';

/** What the host needs to (re-)create one subscription, and how it reports back. */
export interface OpenSubscription {
  readonly id: number;
  readonly pattern: string;
  readonly queue: string | undefined;
  readonly respond: boolean;
  /** The host accepted it (the first time: `ready` resolves). */
  opened(): void;
  /** The host refused it: it ends with `error`. */
  failed(error: unknown): void;
}

interface Entry {
  readonly open: OpenSubscription;
  readonly sub: BufferedSubscription<unknown>;
}

/** Options the subscriptions take from their bus. */
export interface TabSubscriptionOptions {
  readonly telemetry?: Telemetry | undefined;
  readonly onError?: SubscribeOptions['onError'];
}

/** The subscriptions of one tab's bus. */
export class TabSubscriptions {
  readonly #system: string;
  readonly #options: TabSubscriptionOptions;
  readonly #subscribeOn: (open: OpenSubscription) => void;
  readonly #unsubscribe: (id: number) => void;
  readonly #answer: (call: number, result: Result<unknown>) => void;
  readonly #entries = new Map<number, Entry>();
  readonly #asks = new WeakMap<Message<unknown>, number>();
  #next = 0;

  /** A message from its wire form. */
  static toMessage(m: WireMessage): Message<unknown> {
    return createMessage(m);
  }

  constructor(system: string, options: TabSubscriptionOptions, subscribeOn: (open: OpenSubscription) => void, unsubscribe: (id: number) => void, answer: (call: number, result: Result<unknown>) => void) {
    this.#system = system;
    this.#options = options;
    this.#subscribeOn = subscribeOn;
    this.#unsubscribe = unsubscribe;
    this.#answer = answer;
  }

  subscribe(pattern: string, handlerOrOptions?: Handler<unknown> | SubscribeOptions, maybeOptions?: SubscribeOptions): BufferedSubscription<unknown> {
    const handler = typeof handlerOrOptions === 'function' ? handlerOrOptions : undefined;
    const options = typeof handlerOrOptions === 'function' ? maybeOptions : handlerOrOptions;
    return this.#open(pattern, handler, options, false);
  }

  respond(pattern: string, handler: (message: Message<unknown>) => unknown, options?: SubscribeOptions): BufferedSubscription<unknown> {
    const answering = async (message: Message<unknown>): Promise<void> => {
      const call = this.#asks.get(message) as number;
      let value: unknown;
      try {
        value = await handler(message);
      } catch (error) {
        this.#reply(call, { ok: false, error: toWireError(error) });
        throw error;
      }
      this.#reply(call, { ok: true, value });
    };
    return this.#open(pattern, answering, options, true);
  }

  #reply(call: number, result: Result<unknown>): void {
    try {
      this.#answer(call, result);
    } catch (error) {
      this.#answer(call, { ok: false, error: toWireError(asNotSerializable(error)) });
    }
  }

  #open(pattern: string, handler: Handler<unknown> | undefined, options: SubscribeOptions | undefined, respond: boolean): BufferedSubscription<unknown> {
    assertSubject(pattern, { wildcards: true });
    resolveSubscribeOptions(options);
    const queue = options?.queue;
    if (queue !== undefined) assertQueueName(queue);
    const id = ++this.#next;
    let accept!: () => void;
    let refuse!: (error: unknown) => void;
    let settled = false;
    const ready = new Promise<void>((resolve, reject) => ((accept = resolve), (refuse = reject)));
    const withDefaults = options?.onError || !this.#options.onError ? options : { ...options, onError: this.#options.onError };
    const sub: BufferedSubscription<unknown> = new BufferedSubscription(pattern, handler, withDefaults, {
      ready,
      telemetry: this.#options.telemetry,
      system: this.#system,
      onClose: () => {
        if (this.#entries.delete(id)) this.#unsubscribe(id);
      },
    });
    const open: OpenSubscription = {
      id,
      pattern,
      queue,
      respond,
      opened: () => void ((settled = true), accept()),
      failed: (error) => {
        if (!settled) return void ((settled = true), refuse(error));
        // refused by a later leader: it cannot go on
        sub.reportError(error);
        this.#entries.delete(id);
        void sub.unsubscribe();
      },
    };
    this.#entries.set(id, { open, sub });
    ready.catch((error: unknown) => {
      sub.reportError(error);
      this.#entries.delete(id);
      void sub.unsubscribe();
    });
    this.#subscribeOn(open);
    return sub.start();
  }

  /** Calls `fn` for every open subscription, oldest first. */
  forEach(fn: (open: OpenSubscription) => void): void {
    for (const entry of [...this.#entries.values()]) fn(entry.open);
  }

  /** Dispatches one (checked) session event; true when it was made up (for a subscription never opened). */
  event(item: EventItem, connection: WorkerConnection): boolean {
    if (item[0] === EventKind.Connection) return void connection.apply(item[2]), false;
    const entry = this.#entries.get(item[1]);
    // Late events for a subscription this tab ended are normal; one it never opened is made up.
    if (entry === undefined) return item[1] < 1 || item[1] > this.#next;
    const { sub } = entry;
    if (item[0] === EventKind.Deliver || item[0] === EventKind.Ask) {
      const message = TabSubscriptions.toMessage(item[0] === EventKind.Deliver ? item[2] : item[3]);
      if (item[0] === EventKind.Ask) this.#asks.set(message, item[2]);
      const wait = sub.deliver(message);
      if (wait !== undefined) wait.catch(() => undefined);
    } else if (item[0] === EventKind.Ended) {
      if (item[2] !== null) sub.reportError(fromWireError(item[2]));
      this.#entries.delete(item[1]);
      void sub.unsubscribe();
    } else sub.reportError(fromWireError(item[2]));
    return false;
  }

  /** Ends every subscription (each tells the host through `unsubscribe`), reporting `reason` to each when given. */
  async closeAll(reason?: Error): Promise<void> {
    const entries = [...this.#entries.values()];
    if (reason !== undefined) for (const e of entries) e.sub.reportError(reason);
    await Promise.all(entries.map((e) => e.sub.unsubscribe()));
  }
}
