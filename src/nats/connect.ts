/**
 * Opening a NATS connection over WebSocket with defaults suited to browsers and edge workers.
 * @module
 */
import { wsconnect, type NatsConnection, type WsConnectionOptions } from '@nats-io/nats-core';
import { natsConnectionFailed, WebSocketUnavailableError } from './errors.js';

/** Options of {@link connectNats}: every nats-core `wsconnect` option except `servers`, which is the URL. */
export type ConnectNatsOptions = Omit<WsConnectionOptions, 'servers'>;

/** Throws {@link WebSocketUnavailableError} when the runtime has no `globalThis.WebSocket`. */
export function assertWebSocket(): void {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function') throw new WebSocketUnavailableError();
}

/**
 * Connects to NATS over WebSocket (`ws://` or `wss://`). Fails fast with `unsupported` when the runtime has
 * no WebSocket (Node 20), and with `connection_failed` when the server cannot be reached.
 *
 * Defaults differ from nats-core's on purpose:
 * - `maxReconnectAttempts: -1` (never give up). nats-core's default gives up after 10 attempts (about 20 s),
 *   after which the connection is closed for good; a laptop waking from sleep or a server restart then needs
 *   a page reload. Pass a number to bound it.
 * - `reconnectTimeWait: 1000` between attempts (nats-core: 2000), plus its jitter.
 *
 * The caller owns the returned connection: close it with `nc.close()` (or `nc.drain()`) when done; the buses
 * built on it never close it.
 */
export async function connectNats(url: string, options: ConnectNatsOptions = {}): Promise<NatsConnection> {
  assertWebSocket();
  try {
    return await wsconnect({ maxReconnectAttempts: -1, reconnectTimeWait: 1000, ...options, servers: url });
  } catch (cause) {
    throw natsConnectionFailed(url, { cause });
  }
}
