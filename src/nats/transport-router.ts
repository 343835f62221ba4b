/**
 * Keeps WebSocket connections on WebSocket when the same process also opened a NATS connection over
 * another transport (`@nats-io/transport-node`'s TCP `connect`).
 *
 * nats-core has one transport factory per process, not per connection: each `wsconnect()` / `connect()`
 * replaces it, and every later dial — reconnects included — of every connection uses the last one. Seen on
 * Node: after a TCP `connect()`, WebSocket connections redialled through TCP and stayed reconnecting for
 * over 30 s; after a `wsconnect()`, TCP connections redial through WebSocket. nats-core offers no
 * per-connection factory, so isoflux installs a router as that factory: every transport it makes picks its
 * implementation when nats-core dials, from the dialling connection's own options — WebSocket for
 * connections with `ws://` / `wss://` servers, the other transport otherwise. `connectNats` installs it when
 * another transport is present and re-installs it before each of its dials when one was installed since.
 *
 * It reaches into `@nats-io/nats-core/internal` (the entry nats.js's own transports build on): the
 * factory slot, and the constructor of the transport a factory makes (read from a dry `prepare`). When
 * those change shape, {@link routingAvailable} turns false and connections behave as plain nats-core ones.
 * @module
 */
import { getResolveFn, hasWsProtocol, ProtocolHandler, setTransportFactory, wsUrlParseFn, type ConnectionOptions, type Server, type Transport } from '@nats-io/nats-core/internal';

type TransportClass = new () => Transport;

/** What a dry `prepare` needs of its receiver: it discards, resets and makes a transport, nothing else. */
interface DryProtocol {
  transport: Transport | undefined;
  info: unknown;
  pongs: unknown[];
  connectError: unknown;
  resetOutbound(): void;
}

const prepare = (ProtocolHandler.prototype as unknown as { prepare?: (this: DryProtocol) => unknown }).prepare;

/** The transport the installed factory makes right now (without connecting it), or undefined. */
function sampleTransport(): Transport | undefined {
  if (typeof prepare !== 'function') return undefined;
  const dry: DryProtocol = { transport: undefined, info: undefined, pongs: [], connectError: undefined, resetOutbound: () => undefined };
  try {
    prepare.call(dry);
  } catch {
    return undefined; // no factory installed yet
  }
  return dry.transport;
}

let webSocketClass: TransportClass | undefined;
/** The other transport the router hands non-WebSocket connections, with its DNS resolver. */
let foreign: { transport: TransportClass; resolve: ReturnType<typeof getResolveFn> } | undefined;

/** A transport that becomes WebSocket or the other kind when nats-core connects it. */
class RoutedTransport implements Transport {
  #inner: Transport | undefined;
  #onChosen!: (inner: Transport) => void;
  readonly #chosen = new Promise<Transport>((resolve) => (this.#onChosen = resolve));

  get isClosed(): boolean {
    return this.#inner?.isClosed ?? false;
  }
  get lang(): string {
    return this.#inner?.lang ?? '';
  }
  get version(): string {
    return this.#inner?.version ?? '';
  }
  get closeError(): Error | undefined {
    return this.#inner?.closeError;
  }

  connect(server: Server, options: ConnectionOptions): Promise<void> {
    const Kind = hasWsProtocol(options) || foreign === undefined ? webSocketClass : foreign.transport;
    if (Kind === undefined) return Promise.reject(new Error('isoflux: no NATS transport to route to'));
    const inner = new Kind();
    this.#inner = inner;
    this.#onChosen(inner);
    return inner.connect(server, options);
  }
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    if (this.#inner === undefined) throw new Error('isoflux: transport read before it connected');
    return this.#inner[Symbol.asyncIterator]();
  }
  isEncrypted(): boolean {
    return this.#inner?.isEncrypted() ?? false;
  }
  send(frame: Uint8Array): void {
    this.#inner?.send(frame);
  }
  close(err?: Error): Promise<void> {
    return this.#inner?.close(err) ?? Promise.resolve();
  }
  disconnect(): void {
    this.#inner?.disconnect();
  }
  closed(): Promise<void | Error> {
    return this.#chosen.then((inner) => inner.closed());
  }
  discard(): void {
    this.#inner?.discard();
  }
}

/** True when this nats-core exposes what routing needs (checked once WebSocket's transport was seen). */
export function routingAvailable(): boolean {
  return typeof prepare === 'function';
}

/** What the installed factory is: nothing, the router, WebSocket's, or another transport. */
function installedKind(): { kind: 'none' | 'router' | 'websocket' } | { kind: 'other'; transport: TransportClass } {
  const sample = sampleTransport();
  if (sample === undefined) return { kind: 'none' };
  if (sample instanceof RoutedTransport) return { kind: 'router' };
  if (webSocketClass !== undefined && sample instanceof webSocketClass) return { kind: 'websocket' };
  return { kind: 'other', transport: sample.constructor as TransportClass };
}

function install(other: TransportClass | undefined, resolve: ReturnType<typeof getResolveFn>): void {
  foreign = other === undefined ? undefined : { transport: other, resolve };
  setTransportFactory({
    factory: () => new RoutedTransport(),
    // the other transport's connections keep their own resolver and URL handling; WebSocket ones opt out
    // of DNS resolution (`resolve: false`) and bring full ws:// URLs
    ...(foreign ? { dnsResolveFn: foreign.resolve } : { urlParseFn: wsUrlParseFn, defaultPort: 443 }),
  });
}

/**
 * Before `wsconnect`: remembers the transport another library installed (so its connections keep it).
 * Returns a function to call right after `wsconnect` returned (before its first dial, which waits for a
 * microtask): it learns WebSocket's transport and installs the router when there is another one.
 */
export function prepareRouting(): () => void {
  if (!routingAvailable()) return () => undefined;
  const before = installedKind();
  const resolveBefore = getResolveFn();
  return () => {
    if (webSocketClass === undefined) {
      const sample = sampleTransport();
      if (sample !== undefined && !(sample instanceof RoutedTransport)) webSocketClass = sample.constructor as TransportClass;
    }
    if (before.kind === 'other' && before.transport !== webSocketClass) install(before.transport, resolveBefore);
    else if (before.kind === 'router') install(foreign?.transport, foreign?.resolve);
  };
}

/**
 * Before each dial of an isoflux WebSocket connection: when another library installed its transport since,
 * put the router back in front of it (so this dial is WebSocket and theirs stay theirs).
 */
export function keepRouting(): void {
  if (webSocketClass === undefined) return;
  const now = installedKind();
  if (now.kind === 'other') install(now.transport, getResolveFn());
  else if (now.kind === 'none') install(undefined, undefined);
}
