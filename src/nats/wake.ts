/**
 * Sleep and wake: after a laptop lid, a frozen background tab or a network change, the socket can still read
 * OPEN while nothing reaches the server. On the page's wake-up events the connection is checked with a
 * short-deadline PING and redialled at once when it does not answer; and a socket being closed is reported
 * closed within a bound, instead of after the browser's own closing handshake timeout.
 * @module
 */
import type { NatsConnection, WsSocketFactory } from '@nats-io/nats-core';

/** Options of {@link checkOnWake}. */
export interface WakeCheckOptions {
  /** How long the PING may take before the socket counts as dead and is redialled (default 1000 ms). */
  deadlineMs?: number;
  /** Told about each check (for metrics and tests): whether the server answered, and how long it took. */
  onCheck?: (result: WakeCheckResult) => void;
}

/** The outcome of one wake-up check. */
export interface WakeCheckResult {
  /** The event that triggered it (`visibilitychange`, `pageshow`, `online`, `resume`). */
  readonly trigger: string;
  /** True when the server answered the PING in time; false when a reconnect was forced. */
  readonly alive: boolean;
  /** How long the check took, in ms. */
  readonly ms: number;
}

interface EventScope {
  addEventListener?(type: string, listener: (event: Event) => void): void;
  removeEventListener?(type: string, listener: (event: Event) => void): void;
}
interface DocumentLike extends EventScope {
  visibilityState?: string;
}

/**
 * On `visibilitychange` (to visible), `resume` (a frozen page thawed), `pageshow` (back from the bfcache) and
 * `online`, sends a PING and waits up to `deadlineMs`; when no PONG came, forces a reconnect (nats-core
 * `reconnect()`), which redials at once: subscriptions are re-sent by nats-core. Checks do not overlap.
 * Listens on `document` and the global scope where they exist (in a worker only `online` fires); a no-op in
 * runtimes with neither. `connectNats` installs it unless `wakeCheck: false`. Returns the function that stops
 * it; it also stops when the connection closes. `beforeReconnect` runs right before a forced reconnect
 * (`connectNats` uses it to report the dead socket closed at once, see {@link boundedCloseFactory}).
 */
export function checkOnWake(nc: NatsConnection, options: WakeCheckOptions = {}, beforeReconnect?: () => void): () => void {
  const deadlineMs = options.deadlineMs ?? 1000;
  const scope = globalThis as EventScope;
  const doc = (globalThis as { document?: DocumentLike }).document;
  let checking = false;
  let stopped = false;

  const check = async (trigger: string): Promise<void> => {
    if (checking || stopped || nc.isClosed()) return;
    checking = true;
    const started = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const answered = await Promise.race([
        nc.flush().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs))),
      ]);
      if (!answered && !nc.isClosed()) {
        beforeReconnect?.();
        await nc.reconnect().catch(() => undefined);
      }
      options.onCheck?.({ trigger, alive: answered, ms: Date.now() - started });
    } finally {
      clearTimeout(timer);
      checking = false;
    }
  };
  const onVisibility = (event: Event): void => {
    if (doc?.visibilityState === undefined || doc.visibilityState === 'visible') void check(event.type);
  };
  const onEvent = (event: Event): void => void check(event.type);

  const listeners: Array<[EventScope, string, (event: Event) => void]> = [
    [scope, 'online', onEvent],
    [scope, 'pageshow', onEvent],
  ];
  if (doc !== undefined) listeners.push([doc, 'visibilitychange', onVisibility], [doc, 'resume', onEvent]);
  for (const [target, type, listener] of listeners) target.addEventListener?.(type, listener);
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    for (const [target, type, listener] of listeners) target.removeEventListener?.(type, listener);
  };
  void nc.closed().then(stop, stop);
  return stop;
}

/** A `wsFactory` from {@link boundedCloseFactory}. */
export interface BoundedCloseFactory extends WsSocketFactory {
  /** The newest socket is known dead: when it is closed (or being closed), report it closed at once. */
  expedite(): void;
}

/**
 * A `wsFactory` whose sockets report `close` at most `graceMs` after `close()` was called. A WebSocket whose
 * peer vanished (a black hole: nothing answers, nothing resets) waits for the closing handshake: Chromium
 * fires `onclose` about 60 s later, and nats-core redials only then. Wraps `inner` when given (else opens a
 * plain `WebSocket`).
 */
export function boundedCloseFactory(graceMs: number, inner?: WsSocketFactory): BoundedCloseFactory {
  let newest: BoundedSocket | undefined;
  const factory = async (url: string, options: Parameters<WsSocketFactory>[1]) => {
    const made = inner !== undefined ? await inner(url, options) : { socket: new WebSocket(url), encrypted: url.toLowerCase().startsWith('wss://') };
    newest = new BoundedSocket(made.socket, graceMs);
    return made;
  };
  return Object.assign(factory, { expedite: () => newest?.expedite() });
}

/** Makes one socket's `close()` report closed within a bound. */
class BoundedSocket {
  #closed = false;
  #closing = false;
  #expedited = false;
  readonly #socket: WebSocket;

  constructor(socket: WebSocket, graceMs: number) {
    this.#socket = socket;
    const close = socket.close.bind(socket);
    socket.addEventListener('close', () => (this.#closed = true));
    socket.close = (...args: Parameters<WebSocket['close']>): void => {
      close(...args);
      this.#closing = true;
      const timer = setTimeout(() => this.#report(), this.#expedited ? 0 : graceMs);
      (timer as { unref?: () => void }).unref?.();
    };
  }

  expedite(): void {
    this.#expedited = true;
    if (this.#closing) this.#report();
  }

  #report(): void {
    if (this.#closed) return;
    this.#closed = true;
    const event = typeof CloseEvent === 'function' ? new CloseEvent('close', { wasClean: false, code: 1006 }) : ({ type: 'close', wasClean: false, code: 1006, reason: '' } as CloseEvent);
    // nats-core's transport clears `onclose` once it saw a close, so a late real one is ignored
    this.#socket.onclose?.call(this.#socket, event);
  }
}
