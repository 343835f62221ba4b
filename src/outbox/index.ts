/**
 * @module isoflux/outbox — the durable outbox: `publish` resolves once the message is committed to IndexedDB
 * (or another store), and a relay — one per origin, elected through Web Locks — delivers it at least once to
 * any Publisher (JetStream: one copy in the stream through message-id de-duplication, as long as every resend
 * falls inside the stream's `duplicate_window`; see `status.olderThanDuplicateWindow`), surviving
 * reloads, crashes and offline time; FIFO per subject or key, backoff with jitter, dead letters, status; and
 * `serviceWorkerRelay` for delivery with every tab closed (Background Sync), one relay at a time. Tappable:
 * `tap(outbox, listener)` sees published, failed (per attempt), delivered and dead-lettered entries.
 */
export { Outbox, createOutbox } from './outbox.js';
export type { DeadLetters, OrderBy, OutboxOptions, OutboxPublishOptions } from './options.js';
export { idbStore, type IdbStoreOptions } from './idb-store.js';
export { memoryStore, type MemoryStoreOptions } from './memory-store.js';
export { StorageQuotaError } from '../core/errors.js';
export { isRetryableDeliveryError } from './classify.js';
export { monotonicNow } from './clock.js';
export { OUTBOX_SYNC_TAG, registerBackgroundSync, serviceWorkerRelay, type RelayRunOutcome, type ServiceWorkerRelayOptions } from './service-worker.js';
export { requestPersistentStorage, storagePersisted } from './persist.js';
export { OutboxStatusEvent, type OutboxStatus, type RelayState } from './status.js';
export type { RelayCounters, RelayError, RelayOptions } from './relay-options.js';
export type { DeadLetter, DeadLetterReason, OutboxRecord, OutboxStore, OutboxStoreStats, ReadQuery, StatsQuery, StoredEntry } from './store.js';
