/**
 * What an outbox reports about itself: queue depth, age, the relay's progress and its last error.
 * @module
 */
import type { RelayError } from './relay-options.js';

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
  /** The last delivery failure this relay saw, the target's real error (or an election failure of this context). */
  readonly lastError: RelayError | undefined;
  /**
   * The last store failure of this relay (`storage_quota` at a full disk): kept apart so it never hides the
   * delivery error. Failed attempts are counted in memory meanwhile, and removals are tried again.
   */
  readonly lastStorageError: RelayError | undefined;
  /**
   * Waiting entries enqueued longer ago than `duplicateWindowMs` (the target stream's JetStream
   * `duplicate_window`, 2 min by default). Exactly-once holds only inside that window: if one of these was
   * stored by the server before (an ack lost, a crash before the removal), sending it again stores a second
   * copy. Counted by position (entries are in enqueue order), so it is cheap.
   */
  readonly olderThanDuplicateWindow: number;
  /**
   * Whether the origin has persistent storage (`navigator.storage.persisted()`): without it the browser may
   * evict the outbox's IndexedDB under storage pressure (Safari also after 7 days without a visit). See
   * `requestPersistentStorage()`. Undefined where the store is not origin storage or the runtime cannot say.
   */
  readonly storagePersisted: boolean | undefined;
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
    a.lastStorageError !== b.lastStorageError ||
    a.olderThanDuplicateWindow !== b.olderThanDuplicateWindow ||
    a.storagePersisted !== b.storagePersisted ||
    a.relay !== b.relay
  );
}

/** The status before the first store read. */
export function initialStatus(relay: RelayState): OutboxStatus {
  return {
    depth: 0,
    oldestAgeMs: undefined,
    deadLetters: 0,
    inFlight: 0,
    delivered: 0,
    retried: 0,
    deadLettered: 0,
    lastError: undefined,
    lastStorageError: undefined,
    olderThanDuplicateWindow: 0,
    storagePersisted: undefined,
    relay,
  };
}
