/**
 * Options and counters of the tab-side buses (`connectWorkerBus`, `connectLeaderBus`), and their check.
 * @module
 */
import type { LockManagerLike } from '../core/locks.js';
import type { Telemetry } from '../core/telemetry.js';
import type { BusStats } from '../transport/bus.js';
import { checkBusOptions, checkTimeoutMs, checkValueOptions, type BusOptions } from '../transport/options.js';
import type { LeaderHosting } from './leader-election.js';

/** Options of `connectWorkerBus`. */
export interface WorkerBusOptions extends BusOptions {
  /** Longest wait for any call to the worker (default 10000 ms); then it fails with `timeout`. Requests add their own timeout. */
  callTimeoutMs?: number;
  /** Default request timeout (5000 ms). */
  requestTimeoutMs?: number;
  /** Web Locks to use; `null` disables them (then a dead worker shows only as call timeouts). */
  locks?: LockManagerLike | null;
  /** Closes the connection when aborted (its listener is removed on close). */
  signal?: AbortSignal;
  /**
   * Records, in this tab, a producer span per publish and request (`publish <subject>`; its W3C trace
   * context travels in the message headers through the worker's bus to the other tabs) and a consumer span,
   * linked to the producer, per handled message; see `isoflux/otel`. The hosted bus can record its own.
   */
  telemetry?: Telemetry;
}

/** Counters of a worker bus: the facade's, and what it dropped from the worker's side of its ports (zero unless something else holds them). */
export interface WorkerBusStats extends BusStats {
  /** Events and answers that were not well-formed; a call answered that way fails with `decode_failed`. */
  readonly malformed: number;
  /** Well-formed answers to no call in flight, and events for subscriptions this tab never opened. */
  readonly forged: number;
}

/** Options of `connectLeaderBus`. */
export interface LeaderBusOptions extends WorkerBusOptions {
  /**
   * Starts what the leader hosts; called in the one tab elected, again in the next one after a handover.
   * Usually the same code a SharedWorker would run: `{ bus: connectNats(url).then(createNatsBus), connection: watchConnection(nc), close }`.
   */
  host: () => LeaderHosting;
  /** Tabs with the same name share one leader (default `'default'`). */
  name?: string;
  /** How long the leader waits for a tab's responder to answer one request (default 30000 ms; the elected tab's own value applies). */
  answerTimeoutMs?: number;
  /** See `ExposeBusOptions.guardReplies` (default true). */
  guardReplies?: boolean;
}

/** Counters of a leader bus. */
export interface LeaderBusStats extends BusStats {
  /** Frames and answers that were not well-formed (dropped). */
  readonly malformed: number;
  /** Well-formed frames not from the leader, or answering nothing in flight (dropped). */
  readonly forged: number;
  /** Publishes sent again to a new leader because the old one left before acknowledging them. */
  readonly resent: number;
  /** Leaders this tab has linked to so far (1 without a handover). */
  readonly leaders: number;
}

/** A worker, a SharedWorker, or a MessagePort to one. */
export type WorkerTarget = Worker | SharedWorker | MessagePort;

/** The default of {@link WorkerBusOptions.callTimeoutMs}. */
const DEFAULT_CALL_TIMEOUT_MS = 10_000;

/** Checks the options before anything is opened (`invalid_argument` naming the option); returns the call timeout. */
export function checkWorkerOptions(options: WorkerBusOptions): { readonly callTimeoutMs: number } {
  checkBusOptions(options);
  checkValueOptions('worker', options);
  return { callTimeoutMs: checkTimeoutMs('callTimeoutMs', options.callTimeoutMs) ?? DEFAULT_CALL_TIMEOUT_MS };
}
