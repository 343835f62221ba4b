/**
 * One connection state for UIs: `connecting / connected / reconnecting / offline / closed`, the last error and
 * the round-trip time of a NATS connection, as one small observable built from nats-core's `status()` and the
 * runtime's `navigator.onLine` / `online` / `offline` events (where they exist).
 * @module
 */
import type { NatsConnection, Status } from '@nats-io/nats-core';
import { StaleConnectionError } from './errors.js';

/**
 * Where a connection stands, as a UI shows it:
 * - `connecting`: the first connection is being opened (only when watching a promise of one).
 * - `connected`: the socket is up and the server answered.
 * - `reconnecting`: the connection was lost (server gone, socket stale, forced reconnect) and nats-core dials
 *   again; subscriptions come back by themselves. Core publishes made now are lost.
 * - `offline`: the runtime reports no network (`navigator.onLine === false`). Shown whatever the socket says:
 *   Chromium freezes an open WebSocket while offline instead of closing it.
 * - `closed`: for good (closed by the app, or reconnects gave up); `lastError` says why when it was not the app.
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed';

/** An immutable picture of a connection at one moment. Plain data apart from `lastError`. */
export interface ConnectionSnapshot {
  readonly state: ConnectionState;
  /** The most recent error the connection reported (an auth error, a stale socket …); kept after recovery. */
  readonly lastError: Error | undefined;
  /** The last measured round trip to the server in ms (a PING/PONG), or undefined before the first one. */
  readonly rttMs: number | undefined;
  /** When `state` last changed (epoch ms). */
  readonly since: number;
}

/** Called with every new snapshot. */
export type ConnectionListener = (snapshot: ConnectionSnapshot) => void;

/** A connection's state that can be read at any time and watched. */
export interface ConnectionStateSource {
  /** The snapshot now. */
  readonly current: ConnectionSnapshot;
  /**
   * Calls `listener` at once with the current snapshot and then on every change (state, error or rtt).
   * Returns the function that stops it. A listener that throws does not stop the others.
   */
  subscribe(listener: ConnectionListener): () => void;
}

/** The observable {@link watchConnection} returns. */
export interface ConnectionWatch extends ConnectionStateSource {
  readonly state: ConnectionState;
  readonly lastError: Error | undefined;
  readonly rttMs: number | undefined;
  /** Stops watching (listeners get nothing more). The connection itself is not touched. Idempotent. */
  close(): void;
}

/** Options of {@link watchConnection}. */
export interface WatchConnectionOptions {
  /**
   * How often to measure the round trip while connected (default 30000 ms; 0: only after each (re)connect).
   * Each measure is one PING/PONG.
   */
  rttIntervalMs?: number;
  /** Stops watching when aborted. */
  signal?: AbortSignal;
}

interface NetworkScope {
  navigator?: { onLine?: unknown };
  addEventListener?(type: string, listener: () => void): void;
  removeEventListener?(type: string, listener: () => void): void;
}

/** True unless the runtime says it has no network (runtimes without `navigator.onLine` count as online). */
function runtimeOnline(): boolean {
  return (globalThis as NetworkScope).navigator?.onLine !== false;
}

/** Publishes snapshots to listeners; shared by the NATS watch and the worker's tab-side view. */
export class ConnectionBroadcaster implements ConnectionStateSource {
  #current: ConnectionSnapshot;
  readonly #listeners = new Set<ConnectionListener>();

  constructor(initial: Omit<ConnectionSnapshot, 'since'>) {
    this.#current = Object.freeze({ ...initial, since: Date.now() });
  }

  get current(): ConnectionSnapshot {
    return this.#current;
  }

  /** Replaces the snapshot with `next` merged in; tells listeners only when something changed. */
  update(next: Partial<Omit<ConnectionSnapshot, 'since'>>): void {
    const was = this.#current;
    const merged = { ...was, ...next };
    if (merged.state === was.state && merged.lastError === was.lastError && merged.rttMs === was.rttMs) return;
    this.#current = Object.freeze({ ...merged, since: merged.state === was.state ? was.since : Date.now() });
    for (const listener of [...this.#listeners]) this.#call(listener);
  }

  subscribe(listener: ConnectionListener): () => void {
    this.#listeners.add(listener);
    this.#call(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Drops every listener. */
  clear(): void {
    this.#listeners.clear();
  }

  #call(listener: ConnectionListener): void {
    try {
      listener(this.#current);
    } catch (error) {
      // one broken listener must not starve the others
      console.error('[isoflux] connection state listener failed:', error);
    }
  }
}

/** Where the socket stands, before the network overlay (`offline`) is applied. */
type LinkState = Exclude<ConnectionState, 'offline'>;

/**
 * Watches a NATS connection (or a promise of one, shown as `connecting` until it settles) and keeps one
 * {@link ConnectionSnapshot} up to date for a UI. Works for every connection nats-core makes (WebSocket or
 * TCP); a JetStream client shares its connection's state. Costs one `status()` iterator, two global event
 * listeners where the runtime has `online` / `offline`, and one PING per `rttIntervalMs`.
 *
 * To show the state in every tab for a connection hosted in a (Shared)Worker, pass the watch to `exposeBus`
 * (`connection` option): each tab's `WorkerBus.connection` then mirrors it.
 *
 * @example
 * const nc = await connectNats(url);
 * const watch = watchConnection(nc);
 * const stop = watch.subscribe(({ state, rttMs }) => (statusLine.textContent = `${state} ${rttMs ?? '?'} ms`));
 */
export function watchConnection(connection: NatsConnection | PromiseLike<NatsConnection>, options: WatchConnectionOptions = {}): ConnectionWatch {
  const rttIntervalMs = options.rttIntervalMs ?? 30_000;
  const out = new ConnectionBroadcaster({ state: runtimeOnline() ? 'connecting' : 'offline', lastError: undefined, rttMs: undefined });
  let link: LinkState = 'connecting';
  let nc: NatsConnection | undefined;
  let stopped = false;
  let measuring = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let iterator: { stop?: () => void } | undefined;
  const scope = globalThis as NetworkScope;

  const show = (next: Partial<Omit<ConnectionSnapshot, 'since' | 'state'>> = {}): void => {
    if (stopped) return;
    out.update({ ...next, state: link === 'closed' ? 'closed' : runtimeOnline() ? link : 'offline' });
  };
  const onNetwork = (): void => show();
  const measure = (): void => {
    if (nc === undefined || measuring || link !== 'connected') return;
    measuring = true;
    nc.rtt().then(
      (ms) => show({ rttMs: Math.round(ms * 10) / 10 }),
      () => undefined, // a lost connection shows through status(), not here
    ).finally(() => (measuring = false));
  };
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    iterator?.stop?.();
    if (timer !== undefined) clearInterval(timer);
    scope.removeEventListener?.('online', onNetwork);
    scope.removeEventListener?.('offline', onNetwork);
    out.clear();
  };

  const follow = async (conn: NatsConnection): Promise<void> => {
    nc = conn;
    if (conn.isClosed()) {
      link = 'closed';
      return show();
    }
    link = 'connected';
    show();
    measure();
    if (rttIntervalMs > 0) {
      timer = setInterval(measure, rttIntervalMs);
      (timer as { unref?: () => void }).unref?.(); // never keeps a Node process alive
    }
    void conn.closed().then((error) => {
      if (timer !== undefined) clearInterval(timer);
      link = 'closed';
      show(error instanceof Error ? { lastError: error } : {});
    });
    const statuses = conn.status();
    iterator = statuses as { stop?: () => void };
    for await (const status of statuses as AsyncIterable<Status>) {
      if (stopped) break;
      onStatus(status);
    }
  };
  const onStatus = (status: Status): void => {
    switch (status.type) {
      case 'disconnect':
      case 'reconnecting':
      case 'forceReconnect':
        if (link !== 'closed') link = 'reconnecting';
        return show();
      case 'staleConnection':
        if (link !== 'closed') link = 'reconnecting';
        return show({ lastError: new StaleConnectionError() });
      case 'reconnect':
        link = 'connected';
        show();
        return measure();
      case 'error':
        return show({ lastError: status.error });
      case 'close':
        link = 'closed';
        return show();
      default:
        return undefined; // ping, update, ldm, slowConsumer: not a state change
    }
  };

  scope.addEventListener?.('online', onNetwork);
  scope.addEventListener?.('offline', onNetwork);
  options.signal?.addEventListener('abort', stop, { once: true });
  Promise.resolve(connection).then(
    (conn) => follow(conn),
    (error: unknown) => {
      link = 'closed';
      show({ lastError: error instanceof Error ? error : new Error(String(error)) });
    },
  ).catch(() => undefined);

  return {
    get current() {
      return out.current;
    },
    get state() {
      return out.current.state;
    },
    get lastError() {
      return out.current.lastError;
    },
    get rttMs() {
      return out.current.rttMs;
    },
    subscribe: (listener) => (stopped ? () => undefined : out.subscribe(listener)),
    close: stop,
  };
}
