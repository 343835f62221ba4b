/**
 * The hosted network connection's state, shared with every tab: the worker sends each change of the state
 * source it was given (`exposeBus({ connection })`, e.g. `watchConnection(nc)` from `isoflux/nats`) to every
 * session, and each tab's `WorkerBus.connection` mirrors it.
 * @module
 */
import { fromWireError, toWireError, type WireConnection } from './protocol.js';

/** Connection states, the same words `isoflux/nats`'s `watchConnection` uses. */
export type WorkerConnectionState = WireConnection['state'];

/** A snapshot of the hosted connection as a tab sees it. */
export interface WorkerConnectionSnapshot {
  readonly state: WorkerConnectionState;
  readonly lastError: Error | undefined;
  readonly rttMs: number | undefined;
  /** When `state` last changed (epoch ms, the worker's clock). */
  readonly since: number;
}

/**
 * What `exposeBus` can watch: anything with a current snapshot and a `subscribe` that calls back with each
 * new one, as `watchConnection(nc)` of `isoflux/nats` returns (structural: the worker imports no transport).
 */
export interface HostedConnection {
  readonly current: WorkerConnectionSnapshot;
  subscribe(listener: (snapshot: WorkerConnectionSnapshot) => void): () => void;
}

/** Turns a snapshot into its wire form. */
export function toWireConnection(snapshot: WorkerConnectionSnapshot, seq: number): WireConnection {
  return {
    state: snapshot.state,
    lastError: snapshot.lastError === undefined ? null : toWireError(snapshot.lastError),
    rttMs: snapshot.rttMs ?? null,
    since: snapshot.since,
    seq,
  };
}

type Listener = (snapshot: WorkerConnectionSnapshot) => void;

/**
 * A tab's view of the hosted connection (`WorkerBus.connection`). When the worker watches no connection, it
 * shows the tab's link to the worker: `connected` until the worker bus closes or the worker dies (`closed`,
 * with the reason as `lastError`).
 */
export class WorkerConnection {
  #current: WorkerConnectionSnapshot;
  #seq = -1;
  #final = false;
  readonly #listeners = new Set<Listener>();

  /** @internal made by `WorkerBus` */
  constructor() {
    this.#current = Object.freeze({ state: 'connected', lastError: undefined, rttMs: undefined, since: Date.now() });
  }

  /** The snapshot now. */
  get current(): WorkerConnectionSnapshot {
    return this.#current;
  }
  get state(): WorkerConnectionState {
    return this.#current.state;
  }
  get lastError(): Error | undefined {
    return this.#current.lastError;
  }
  get rttMs(): number | undefined {
    return this.#current.rttMs;
  }

  /** Calls `listener` at once with the current snapshot, then on every change. Returns the function that stops it. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    this.#call(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** @internal a snapshot from the worker (checked by decode.ts); older ones than the last applied are ignored. */
  apply(wire: WireConnection): void {
    if (this.#final || wire.seq <= this.#seq) return;
    this.#seq = wire.seq;
    this.#set({ state: wire.state, lastError: wire.lastError === null ? undefined : fromWireError(wire.lastError), rttMs: wire.rttMs ?? undefined, since: wire.since });
  }

  /**
   * @internal the leader tab hosting the connection went away (`reason`): `reconnecting` until the next
   * leader's first snapshot, whose sequence numbers start again.
   */
  handover(reason: Error): void {
    if (this.#final) return;
    this.#seq = -1;
    if (this.#current.state !== 'reconnecting') this.#set({ state: 'reconnecting', lastError: reason, rttMs: this.#current.rttMs, since: Date.now() });
  }

  /** @internal linked to a new leader that watches no connection: the link itself is what is shown. */
  linked(): void {
    if (!this.#final && this.#seq === -1) this.#set({ state: 'connected', lastError: undefined, rttMs: undefined, since: Date.now() });
  }

  /** @internal the tab's link to the worker ended: `closed` for good. */
  end(reason: Error | undefined): void {
    if (this.#final) return;
    this.#set({ state: 'closed', lastError: reason ?? this.#current.lastError, rttMs: this.#current.rttMs, since: Date.now() });
    this.#final = true;
    this.#listeners.clear();
  }

  #set(next: WorkerConnectionSnapshot): void {
    this.#current = Object.freeze(next);
    for (const listener of [...this.#listeners]) this.#call(listener);
  }

  #call(listener: Listener): void {
    try {
      listener(this.#current);
    } catch (error) {
      // one broken listener must not starve the others
      console.error('[isoflux] connection state listener failed:', error);
    }
  }
}
