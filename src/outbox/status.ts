/**
 * What an outbox reports about itself: queue depth, age, the relay's progress and its last error.
 * @module
 */
import type { RelayError } from './relay.js';

/** What this context's relay is doing. */
export type RelayState =
  /** No target was given: this outbox only stores; a relay elsewhere (another tab, a worker) delivers. */
  | 'none'
  /** Waiting for the Web Lock: another tab relays this store. */
  | 'standby'
  /** This context holds the lock and delivers. */
  | 'relaying'
  /** Holds the lock, but `pause()` was called. */
  | 'paused'
  /** Holds the lock, but the browser says it is offline: waits for `online` or `resume()`. */
  | 'offline'
  /** `close()` was called. */
  | 'closed';

/** A snapshot of an outbox. Store figures (depth, age, dead letters) cover every tab; the rest is this context's relay. */
export interface OutboxStatus {
  /** Entries waiting for delivery, in flight included. */
  readonly depth: number;
  /** Age of the oldest waiting entry in ms; undefined when empty. */
  readonly oldestAgeMs: number | undefined;
  /** Entries in the dead-letter store. */
  readonly deadLetters: number;
  /** Deliveries waiting for the target's acknowledgement now. */
  readonly inFlight: number;
  /** Delivered (acknowledged) by this context's relay since it started. */
  readonly delivered: number;
  /** Failed attempts that will be retried, since the relay started. */
  readonly retried: number;
  /** Entries this relay moved to the dead letters. */
  readonly deadLettered: number;
  /** The last failure this relay saw (delivery or store). */
  readonly lastError: RelayError | undefined;
  readonly relay: RelayState;
}

/** Dispatched on an `Outbox` (type `status`) when its status changed. */
export class OutboxStatusEvent extends Event {
  constructor(readonly status: OutboxStatus) {
    super('status');
  }
}

/** True when two snapshots differ in something other than the ever-growing age. */
export function statusChanged(a: OutboxStatus, b: OutboxStatus): boolean {
  return (
    a.depth !== b.depth ||
    (a.oldestAgeMs === undefined) !== (b.oldestAgeMs === undefined) ||
    a.deadLetters !== b.deadLetters ||
    a.inFlight !== b.inFlight ||
    a.delivered !== b.delivered ||
    a.retried !== b.retried ||
    a.deadLettered !== b.deadLettered ||
    a.lastError !== b.lastError ||
    a.relay !== b.relay
  );
}
