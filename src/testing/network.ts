/**
 * A fake network: endpoints (tabs of a broadcast namespace, clients of a NATS server) that share one routing
 * table. Each endpoint is a bus of the transport kit — publish, subscribe, request, respond, close, stats,
 * `signal` and its own wiretap come from the kit's facade, as on the real transports — over a small driver
 * that routes through the shared table: a message reaches every matching subscription of every endpoint, and
 * a queue group spans endpoints (one member, on whichever endpoint, handles each message; when an endpoint
 * closes, the others take over). Payloads are structured-cloned per recipient, as `postMessage` and encoding
 * would.
 * @module
 */
import { cloneValue } from '../core/codec.js';
import { ClosedError, ConnectionFailedError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import { newMessage, type Headers, type Message } from '../core/message.js';
import { RouteTable, routeTarget, type Route } from '../core/route-table.js';
import type { AnyTopics, TopicMap } from '../core/topics.js';
import { tapClock, type Taps } from '../core/wiretap.js';
import type { Driver, DriverContext, Listener, SendOptions, Sink } from '../transport/driver.js';
import type { BusOptions } from '../transport/options.js';
import { RequestBus } from '../transport/request-bus.js';

const RESOLVED: Promise<void> = Promise.resolve();

/** What the endpoints of one network share: every subscription's route, and which endpoint it belongs to (internal). */
export class SharedRoutes {
  readonly table = new RouteTable();
  readonly owners = new WeakMap<Sink, EndpointDriver>();
}

/** The wire of one endpoint: the shared routing table, and a connection that can be cut (internal to the fakes). */
export class EndpointDriver implements Driver {
  connected = true;
  readonly #shared: SharedRoutes;
  readonly #listener: Listener;
  #taps: Taps | undefined;

  constructor(
    readonly name: string,
    readonly endpoint: string,
    shared: SharedRoutes,
  ) {
    this.#shared = shared;
    this.#listener = { close: (sink) => shared.table.remove(sink.pattern, sink.queue, sink) };
  }

  attach(context: DriverContext): void {
    this.#taps = context.taps;
  }

  listen(pattern: string, queue: string | undefined, sink: Sink): Listener {
    this.#shared.table.add(pattern, queue, sink);
    this.#shared.owners.set(sink, this);
    return this.#listener;
  }

  /** Has-responders for the kit's requests; a cut connection cannot ask. */
  interest(subject: string): boolean {
    if (!this.connected) throw new ConnectionFailedError(this.endpoint, 'the fake connection is down (disconnect() was called)');
    return this.#shared.table.match(subject).length > 0;
  }

  send(subject: string, payload: unknown, options: SendOptions | undefined): Promise<void> {
    const id = options?.id ?? nextId();
    const headers = options?.headers;
    // resolves, as NATS core does: what is published on a lost connection is gone
    if (!this.connected) {
      this.dropped(subject, id, payload, headers, undefined);
      return RESOLVED;
    }
    const routes = this.#shared.table.match(subject);
    let copies: unknown[];
    try {
      // one copy per recipient, all made before any delivery: a value that cannot be cloned is refused whole
      copies = Array.from({ length: Math.max(routes.length, 1) }, () => cloneValue(payload));
    } catch (error) {
      return Promise.reject(error);
    }
    const waits = routes.flatMap((route, i) => this.#deliver(route, newMessage(subject, copies[i], headers, id, options?.replyTo), options?.signal) ?? []);
    return waits.length === 0 ? RESOLVED : Promise.all(waits).then(() => undefined);
  }

  /** Hands `message` to the member `route` picks, unless its endpoint is cut off (then it is dropped there). */
  #deliver(route: Route, message: Message<unknown>, signal: AbortSignal | undefined): Promise<void> | undefined {
    const target = routeTarget(route);
    if (target === undefined) return undefined;
    const owner = this.#shared.owners.get(target);
    if (owner !== undefined && !owner.connected) return void owner.dropped(message.subject, message.id, message.payload, message.headers, target);
    return target.deliver(message, undefined, signal) ?? undefined;
  }

  /** Reports a message lost to a cut connection: `dropped`, reason `disconnected`, on this endpoint's wiretap. */
  dropped(subject: string, id: string, payload: unknown, headers: Headers | undefined, sink: Sink | undefined): void {
    if (this.#taps?.active !== true) return;
    this.#taps.emit({ kind: 'dropped', system: this.name, subject, id, payload, headers, pattern: sink?.pattern, queue: sink?.queue, reason: 'disconnected', at: tapClock() });
  }
}

/** One bus of a {@link FakeNetwork}: a kit bus with the surface of the transport it stands in for, plus `disconnect` / `reconnect`. */
export class FakeEndpoint<M extends TopicMap = AnyTopics> extends RequestBus<M> {
  readonly #wire: EndpointDriver;

  /** Made by {@link FakeNetwork.endpoint}; `options` are the kit's (`signal`, `requestTimeoutMs`, `onError`, `telemetry`). */
  constructor(
    wire: EndpointDriver,
    readonly name: string,
    options?: BusOptions,
  ) {
    super(wire, options);
    this.#wire = wire;
  }

  /** False between {@link disconnect} and {@link reconnect}, and once closed. */
  get connected(): boolean {
    return this.#wire.connected && !this.isClosed;
  }

  /**
   * Cuts this endpoint off, as a lost connection does: its publishes resolve but go nowhere (reported as
   * `dropped` with reason `disconnected`, as NATS core drops them; the wiretap still shows the publish the
   * client accepted as `published`), its requests reject with
   * `connection_failed`, messages for it are dropped the same way, and its subscriptions stay, to receive
   * again after {@link reconnect}.
   */
  disconnect(): void {
    this.#wire.connected = false;
  }

  /** Ends a {@link disconnect}. */
  reconnect(): void {
    this.#wire.connected = true;
  }

  protected override closedError(): ClosedError {
    return new ClosedError(`fake ${this.#wire.name} ${this.name}`);
  }
}

/** A shared in-process network of {@link FakeEndpoint}s. */
export class FakeNetwork<M extends TopicMap = AnyTopics> implements AsyncDisposable {
  readonly #shared = new SharedRoutes();
  readonly #endpoints: Array<FakeEndpoint<M>> = [];

  /** `system`: the transport the endpoints stand in for (`broadcast`, `nats`): their tap events' `system`. */
  constructor(readonly system: string) {}

  /**
   * A new endpoint on this network (named for messages and the wiretap), with the bus options every kit bus
   * takes: `signal` closes it, `requestTimeoutMs` bounds its requests, `onError` and `telemetry`.
   */
  endpoint(name = `${this.system}-${this.#endpoints.length + 1}`, options?: BusOptions): FakeEndpoint<M> {
    const endpoint = new FakeEndpoint<M>(new EndpointDriver(this.system, name, this.#shared), name, options);
    this.#endpoints.push(endpoint);
    return endpoint;
  }

  /** Every endpoint opened, closed ones included. */
  get endpoints(): ReadonlyArray<FakeEndpoint<M>> {
    return this.#endpoints;
  }

  /** Closes every endpoint. */
  async close(): Promise<void> {
    await Promise.all(this.#endpoints.map((e) => e.close()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
