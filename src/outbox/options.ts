/**
 * What an outbox is told: its options, the per-publish options, and the dead-letter API it offers.
 * @module
 */
import type { PublishOptions, Publisher } from '../core/interfaces.js';
import type { Telemetry } from '../core/telemetry.js';
import type { Outbox, createOutbox } from './outbox.js';
import type { OutboxStatus } from './status.js';
import type { RelayOptions } from './relay-options.js';
import type { serviceWorkerRelay } from './service-worker.js';
import type { DeadLetter, OutboxStore } from './store.js';

/** Which entries must be delivered one after another: those with the same key. */
export type OrderBy = 'subject' | 'none' | ((subject: string, payload: unknown) => string);

/** Options of {@link createOutbox}. */
export interface OutboxOptions {
  /** Where entries live (default `idbStore()`: IndexedDB, shared by the origin's tabs). */
  store?: OutboxStore;
  /**
   * Where entries are delivered (a JetStream publisher above all). Without it this outbox only stores, and a
   * relay in another context (tab, worker) delivers. With it, this context joins the election for the relay.
   */
  target?: Publisher;
  /** Ordering: per subject (default), none (every entry on its own), or a key function. */
  orderBy?: OrderBy;
  /** Relay tuning: concurrency, retries, dead-lettering. */
  relay?: RelayOptions;
  /** Web Lock name of the relay election (default `isoflux-outbox:<store name>`). */
  lockName?: string;
  /** Called with every status change. */
  onStatus?: (status: OutboxStatus) => void;
  /**
   * The target stream's JetStream `duplicate_window` (default 120 000 ms, JetStream's own default): status
   * counts the waiting entries older than this in `olderThanDuplicateWindow`. Pass what `ensureStream` set.
   */
  duplicateWindowMs?: number;
  /** Status is re-read from the store at least this often (default 1000 ms) and at most every 100 ms. */
  statusIntervalMs?: number;
  /**
   * After a publish is stored, ask the browser for a Background Sync with this tag (`true`: `isoflux-outbox`),
   * at most once per 5 s, so a Service Worker running {@link serviceWorkerRelay} delivers even when every tab
   * closes first. Needs a registered Service Worker; does nothing where there is no Background Sync.
   */
  backgroundSync?: boolean | string;
  /** Closes the outbox when aborted. */
  signal?: AbortSignal;
  /**
   * Records a producer span per enqueue (its trace context is stored in the entry's headers, so the
   * delivery after a reload continues the trace), the depth gauge and dead letters (see `isoflux/otel`).
   */
  telemetry?: Telemetry;
}

/** Options of {@link Outbox.publish}. */
export interface OutboxPublishOptions extends PublishOptions {
  /** Ordering key of this entry, instead of the one `orderBy` gives. */
  key?: string;
}

/** The dead-letter store of an outbox. */
export interface DeadLetters {
  /** Dead letters, oldest first, with the reason and last error kept. */
  list(limit?: number): Promise<DeadLetter[]>;
  /** Back into the queue (at its end, same message id, attempts reset): all, or those with these seqs. */
  retry(seqs?: readonly number[]): Promise<number>;
  /** Deletes them for good: all, or those with these seqs. */
  discard(seqs?: readonly number[]): Promise<number>;
}
