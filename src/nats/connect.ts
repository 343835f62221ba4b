/**
 * Opening a NATS connection over WebSocket with defaults suited to browsers and edge workers.
 * @module
 */
import { wsconnect, type NatsConnection, type WsConnectionOptions } from '@nats-io/nats-core';
import { natsConnectionFailed, WebSocketUnavailableError } from './errors.js';
import { keepRouting, prepareRouting } from './transport-router.js';

/** nats-core's reconnect jitter defaults (ms), used when the caller sets none. */
const JITTER = 100;
const JITTER_TLS = 1000;

/** Options of {@link connectNats}: every nats-core `wsconnect` option except `servers`, which is the first argument. */
export type ConnectNatsOptions = Omit<WsConnectionOptions, 'servers'>;

/** Throws {@link WebSocketUnavailableError} when the runtime has no `globalThis.WebSocket`. */
export function assertWebSocket(): void {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function') throw new WebSocketUnavailableError();
}

/**
 * Connects to NATS over WebSocket (`ws://` or `wss://`): one URL, or a cluster's list (nats-core tries them in
 * random order, unless `noRandomize`, and moves to another on a disconnect). Fails fast with `unsupported` when
 * the runtime has no WebSocket (Node 20), and with `connection_failed` (naming every URL) when no server can be
 * reached.
 *
 * Defaults differ from nats-core's on purpose:
 * - `maxReconnectAttempts: -1` (never give up). nats-core's default gives up after 10 attempts (about 20 s),
 *   after which the connection is closed for good; a laptop waking from sleep or a server restart then needs
 *   a page reload. Pass a number to bound it.
 * - `reconnectTimeWait: 1000` between attempts (nats-core: 2000), plus its jitter.
 *
 * Safe beside other transports in one process: nats-core keeps a single transport factory for the whole
 * process (the last `wsconnect` / transport-node `connect` wins, for every later reconnect of every
 * connection), so a connection from here routes each of its dials to WebSocket itself, and connections of
 * the other transport keep theirs (see `transport-router.ts`). Its dials skip DNS resolution
 * (`resolve: false`), as a WebSocket does its own.
 *
 * The caller owns the returned connection: close it with `nc.close()` (or `nc.drain()`) when done; the buses
 * built on it never close it.
 */
export async function connectNats(servers: string | readonly string[], options: ConnectNatsOptions = {}): Promise<NatsConnection> {
  assertWebSocket();
  const list = typeof servers === 'string' ? [servers] : [...servers];
  const url = list.join(', ');
  // one URL stays a string: nats-core then treats it exactly as before (no server list to shuffle)
  const merged = { maxReconnectAttempts: -1, reconnectTimeWait: 1000, ...options, servers: list.length === 1 ? (list[0] as string) : list, resolve: false };
  const delay = merged.reconnectDelayHandler ?? defaultDelay(merged, list[0] ?? '');
  const finishRouting = prepareRouting();
  let connecting: Promise<NatsConnection>;
  try {
    connecting = wsconnect({
      ...merged,
      // called by nats-core right before each dial: the moment to make sure the dial is a WebSocket one
      reconnectDelayHandler: () => {
        keepRouting();
        return delay();
      },
    });
  } finally {
    finishRouting();
  }
  try {
    return await connecting;
  } catch (cause) {
    throw natsConnectionFailed(url, { cause });
  }
}

/** nats-core's own delay between reconnect attempts: the wait plus a random jitter (larger for wss). */
function defaultDelay(options: ConnectNatsOptions, url: string): () => number {
  const wait = options.reconnectTimeWait ?? 1000;
  const jitter = url.toLowerCase().startsWith('wss:') ? (options.reconnectJitterTLS ?? JITTER_TLS) : (options.reconnectJitter ?? JITTER);
  return () => wait + Math.floor(Math.random() * (jitter + 1));
}
