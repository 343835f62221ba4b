/**
 * Options and counters of the tab side of the worker bridge.
 * @module
 */
import type { SubscribeOptions } from '../core/interfaces.js';
import type { LockManagerLike } from '../core/locks.js';
import type { Telemetry } from '../core/telemetry.js';

/** Options of `connectWorkerBus`. */
export interface WorkerBusOptions {
  /** Longest wait for any call to the worker (default 10000 ms); then it fails with `timeout`. Requests add their own timeout. */
  callTimeoutMs?: number;
  /** Default request timeout (5000 ms). */
  requestTimeoutMs?: number;
  /** Default `onError` for subscriptions that give none. */
  onError?: SubscribeOptions['onError'];
  /** Web Locks to use; `null` disables them (then a dead worker shows only as call timeouts). */
  locks?: LockManagerLike | null;
  /** Closes the connection when aborted. */
  signal?: AbortSignal;
  /**
   * Records, in this tab, a producer span per publish and request (`publish <subject>`; its W3C trace
   * context travels in the message headers through the worker's bus to the other tabs) and a consumer span,
   * linked to the producer, per handled message; see `isoflux/otel`. The hosted bus can record its own.
   */
  telemetry?: Telemetry;
}

/** What a worker bus dropped from the worker's side of its ports (all zero unless something else holds them). */
export interface WorkerBusStats {
  /** Events and answers that were not well-formed; a call answered that way fails with `decode_failed`. */
  readonly malformed: number;
  /** Well-formed answers to no call in flight, and events for subscriptions this tab never opened. */
  readonly forged: number;
}

/** A worker, a SharedWorker, or a MessagePort to one. */
export type WorkerTarget = Worker | SharedWorker | MessagePort;
