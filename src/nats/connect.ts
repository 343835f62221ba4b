/**
 * Opening a NATS connection over WebSocket with defaults suited to browsers and edge workers.
 * @module
 */
import { wsconnect, type NatsConnection, type WsConnectionOptions } from '@nats-io/nats-core';
import { credentialsAuthenticator, type CredentialsSupplier } from './credentials.js';
import { natsConnectionFailed, WebSocketUnavailableError } from './errors.js';
import { keepRouting, prepareRouting } from './transport-router.js';
import { boundedCloseFactory, checkOnWake, type WakeCheckOptions } from './wake.js';

/** nats-core's reconnect jitter defaults (ms), used when the caller sets none. */
const JITTER = 100;
const JITTER_TLS = 1000;

/** Options of {@link connectNats}: every nats-core `wsconnect` option except `servers` (the first argument), plus isoflux's own. */
export interface ConnectNatsOptions extends Omit<WsConnectionOptions, 'servers'> {
  /**
   * Asked for the credentials at every connect and reconnect (token, user + password, JWT + nkey seed, or
   * nkey seed; see {@link CredentialsSupplier}), so a reconnect after sleep presents the refreshed token.
   * Sets `ignoreAuthErrorAbort: true` unless you set it: otherwise nats-core closes the client for good on
   * the second authorization error in a row (a stale token presented twice). Replaces `authenticator`.
   */
  credentials?: CredentialsSupplier;
  /**
   * Checks the socket with a short PING when the page wakes (`visibilitychange` to visible, `resume`,
   * `pageshow`, `online`) and redials at once when it does not answer (see `checkOnWake`). Default on
   * (1000 ms deadline); `false` turns it off. A no-op where there is no `document` nor `online` event.
   */
  wakeCheck?: WakeCheckOptions | false;
  /**
   * Longest wait, in ms, for a closing socket to report closed before nats-core is told it is (default 500;
   * 0 leaves it to the runtime). A socket into a black hole otherwise reports closed only after the
   * browser's closing handshake times out (about 60 s in Chromium), and nats-core redials only then.
   */
  closeTimeoutMs?: number;
}

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
 * - `timeout: 5000` per dial (nats-core: 20000): a dial into a dead network (a black hole after sleep) holds
 *   the reconnect loop for that long.
 * - wake-up checks and bounded socket close (`wakeCheck`, `closeTimeoutMs`): after sleep the connection is
 *   back within about 2 s of the page waking (measured: see the README's "Sleep and wake").
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
  const { credentials, wakeCheck, closeTimeoutMs = 500, ...natsOptions } = options;
  const merged: WsConnectionOptions = { maxReconnectAttempts: -1, reconnectTimeWait: 1000, timeout: 5000, ...natsOptions, servers: list.length === 1 ? (list[0] as string) : list, resolve: false };
  if (credentials !== undefined) {
    merged.authenticator = credentialsAuthenticator(credentials);
    merged.ignoreAuthErrorAbort = natsOptions.ignoreAuthErrorAbort ?? true;
  }
  const sockets = closeTimeoutMs > 0 ? boundedCloseFactory(closeTimeoutMs, natsOptions.wsFactory) : undefined;
  if (sockets !== undefined) merged.wsFactory = sockets;
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
  let nc: NatsConnection;
  try {
    nc = await connecting;
  } catch (cause) {
    throw natsConnectionFailed(url, { cause });
  }
  if (wakeCheck !== false) checkOnWake(nc, wakeCheck, sockets?.expedite);
  return nc;
}

/** nats-core's own delay between reconnect attempts: the wait plus a random jitter (larger for wss). */
function defaultDelay(options: WsConnectionOptions, url: string): () => number {
  const wait = options.reconnectTimeWait ?? 1000;
  const jitter = url.toLowerCase().startsWith('wss:') ? (options.reconnectJitterTLS ?? JITTER_TLS) : (options.reconnectJitter ?? JITTER);
  return () => wait + Math.floor(Math.random() * (jitter + 1));
}
