/**
 * The worker side: `exposeBus(bus)` serves a bus to every tab that connects, in a dedicated Worker or a
 * SharedWorker (one bus, and one network connection, per origin).
 * @module
 */
import { expose } from 'comlink';
import { nextId } from '../core/id.js';
import { holdLock, webLocks, type LockManagerLike } from '../core/locks.js';
import { claimsOpen, isOpenMessage } from './decode.js';
import { guardCalls } from './guard.js';
import type { HostedConnection } from './connection.js';
import { SessionHub } from './hub.js';
import { toWireError } from './protocol.js';
import type { HostedBus } from './session.js';

/** Where tabs reach the worker: a MessagePort, or a worker's global scope. */
export interface HostEndpoint {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  start?(): void;
}

/** Options of {@link exposeBus}. */
export interface ExposeBusOptions {
  /**
   * Where tabs connect. Default: in a SharedWorker, every port that connects; in a dedicated Worker, the
   * worker itself (`self`). Pass a MessagePort to serve over one you set up yourself.
   */
  endpoint?: HostEndpoint;
  /** How long the worker waits for a tab's responder to answer one request (default 30000 ms); then the requester gets `remote_error` (`timeout`). */
  answerTimeoutMs?: number;
  /** Web Locks to use; `null` disables them (a closed tab's session is then released only on its goodbye). */
  locks?: LockManagerLike | null;
  /** Stops serving when aborted (existing sessions are closed; the bus itself is not). */
  signal?: AbortSignal;
  /**
   * A tab may publish to a reply subject (`_INBOX.…`) only when a message carrying it as `replyTo` was
   * delivered to that tab (default true): another tab cannot answer a request it never received, even with
   * a guessed inbox name. Set false only when tabs publish to inboxes they learn some other way.
   */
  guardReplies?: boolean;
  /**
   * The state of the network connection the bus uses, shown in every tab as `WorkerBus.connection`
   * (connecting / connected / reconnecting / offline / closed, last error, round-trip time). Pass
   * `watchConnection(nc)` from `isoflux/nats` (it accepts the promise of a connection still opening).
   */
  connection?: HostedConnection;
}

/** A bus being served. */
export interface ExposedBus {
  /** This host's id; tabs watch its lifetime lock to learn when the worker dies. */
  readonly id: string;
  /** Tabs connected now. */
  readonly sessions: number;
  /** Subscriptions the connected tabs hold in this worker now. */
  readonly subscriptions: number;
  /** Messages from tabs dropped as malformed: bad open messages, calls comlink would misuse, bad arguments. */
  readonly malformed: number;
  /** Publishes refused as forged replies (to a reply subject the tab was never handed). */
  readonly forged: number;
  /** Stops serving: closes every session (releasing its subscriptions). The bus is the caller's to close. */
  close(): Promise<void>;
}

/**
 * Serves `bus` to tabs connecting with `connectWorkerBus`. Call it at the top of the worker script, before
 * any `await`, so no tab's connection is missed; pass a promise (`exposeBus(connect().then(createBus))`)
 * when the bus needs time to start: tabs that connect meanwhile wait for it.
 *
 * Each tab gets a session; a tab holds a Web Lock for its lifetime, so when it closes or crashes its
 * subscriptions and pending requests in the worker are released at once (no leak, no heartbeat). The
 * worker holds a lock too, so tabs learn at once when it dies. Costs one lock per tab plus one for the worker.
 */
export function exposeBus(bus: HostedBus | Promise<HostedBus>, options: ExposeBusOptions = {}): ExposedBus {
  const id = nextId();
  const locks = options.locks === null ? undefined : (options.locks ?? webLocks());
  const hostLock = locks === undefined ? undefined : holdLock(locks, `isoflux/worker/host/${id}`);
  const ready = Promise.all([bus, hostLock?.granted.catch(() => undefined)]).then(([b]) => b);
  const hub = new SessionHub(id, { answerTimeoutMs: options.answerTimeoutMs ?? 30_000, guardReplies: options.guardReplies ?? true, connection: options.connection, locks });
  const drop = (): void => void hub.tally.malformed++;
  let closed = false;

  const onMessage = (event: MessageEvent): void => {
    if (closed) return;
    if (!isOpenMessage(event.data)) {
      // The app's own messages to its worker are not ours to count; a broken open message is.
      if (claimsOpen(event.data)) drop();
      return;
    }
    const { client, rpc, events } = event.data;
    void ready.then(
      (hosted) => {
        if (closed) return;
        // The tab holds its lifetime lock while it lives (it took it before sending the open message).
        const session = hub.open(hosted, rpc, events, `isoflux/worker/client/${client}`);
        expose(session.api, guardCalls(rpc, new Set(Object.keys(session.api)), drop));
      },
      // The bus never came up (its connection failed): every tab learns why from the handshake.
      (error: unknown) => expose({ hello: () => ({ ok: false, error: toWireError(error) }) }, guardCalls(rpc, new Set(['hello']), drop)),
    );
  };
  const listen = (endpoint: HostEndpoint): void => {
    endpoint.addEventListener('message', onMessage);
    endpoint.start?.();
  };
  const scope = globalThis as unknown as HostEndpoint & { onconnect?: unknown; addEventListener(type: 'connect', listener: (event: MessageEvent) => void): void };
  // SharedWorker ports are not kept: once a tab's sessions are open its port only waits for more opens.
  const onConnect = (event: MessageEvent): void => {
    for (const port of event.ports) listen(port);
  };
  const endpoint = options.endpoint ?? ('onconnect' in scope ? undefined : scope);
  if (endpoint === undefined) scope.addEventListener('connect', onConnect);
  else listen(endpoint);

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    (scope as unknown as EventTarget).removeEventListener('connect', onConnect as EventListener);
    endpoint?.removeEventListener('message', onMessage);
    await hub.close();
    hostLock?.release();
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  // the counters are read from the hub each time they are asked for
  return {
    id,
    get sessions() { return hub.sessions; },
    get subscriptions() { return hub.subscriptions; },
    get malformed() { return hub.tally.malformed; },
    get forged() { return hub.tally.forged; },
    close,
  };

}
