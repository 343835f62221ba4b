/**
 * The storage contract of the outbox: what a store must do so entries survive until the relay delivered them.
 * @module
 */
import type { IsofluxError } from '../core/errors.js';
import type { Headers } from '../core/message.js';

/** A message as the outbox keeps it between `publish` and the target's acknowledgement. */
export interface OutboxRecord {
  /** The message id, fixed at enqueue: every delivery attempt carries it, so receivers de-duplicate resends. */
  readonly id: string;
  /** The literal subject it goes to. */
  readonly subject: string;
  /** Ordering key: entries with the same key are delivered one after another, in enqueue order. */
  readonly key: string;
  /** The payload, stored as a structured clone. */
  readonly payload: unknown;
  /** Headers sent with it (trace context included), kept across reloads. */
  readonly headers: Headers;
  /**
   * Enqueue time from the outbox's monotonic clock (`performance.timeOrigin + performance.now()`: the wall
   * clock when the context started plus monotonic time since), for the oldest-age status, `maxAgeMs` and
   * the duplicate-window count. Moving the wall clock later changes nothing in this context.
   */
  readonly enqueuedAt: number;
}

/** A record once stored: it has a position (`seq`) and a delivery history. */
export interface StoredEntry extends OutboxRecord {
  /** Position in the store, increasing in commit order across every tab that shares the store. */
  readonly seq: number;
  /** Failed delivery attempts so far (persisted, so a page that keeps reloading still reaches `maxAttempts`). */
  readonly attempts: number;
  /** Message of the last delivery failure. */
  readonly lastError?: string | undefined;
}

/** Why an entry left the queue for the dead-letter store. */
export type DeadLetterReason =
  /** The target failed it `maxAttempts` times. */
  | 'max_attempts'
  /** It waited longer than `maxAgeMs`. */
  | 'max_age'
  /** The target rejected it with an error retrying cannot fix (bad subject, payload not serializable …). */
  | 'rejected';

/** An entry the relay gave up on. Nothing is lost: list it, retry it (back into the queue) or discard it. */
export interface DeadLetter extends StoredEntry {
  readonly reason: DeadLetterReason;
  /** The `code` of the last error when it was an isoflux error. */
  readonly errorCode?: string | undefined;
  /** When it was dead-lettered (the outbox's monotonic clock, on the wall-clock scale). */
  readonly deadAt: number;
}

/** Counts a store can give cheaply. */
export interface OutboxStoreStats {
  /** Entries waiting for delivery (those in flight included). */
  readonly depth: number;
  /** `enqueuedAt` of the oldest waiting entry; undefined when empty. */
  readonly oldestEnqueuedAt: number | undefined;
  /** Entries in the dead-letter store. */
  readonly deadLetters: number;
  /** Waiting entries enqueued before `StatsQuery.enqueuedBefore`; present only when that was asked. */
  readonly olderCount?: number;
}

/** Extra figures {@link OutboxStore.stats} can compute. */
export interface StatsQuery {
  /** Count the waiting entries with an `enqueuedAt` before this (into `olderCount`). */
  readonly enqueuedBefore?: number | undefined;
}

/** Which waiting entries to read, oldest first. */
export interface ReadQuery {
  /** Only entries with a greater `seq` (default: from the start). */
  readonly after?: number | undefined;
  /** Only entries with this ordering key. */
  readonly key?: string | undefined;
  /** At most this many. */
  readonly limit: number;
}

/**
 * Where the outbox keeps entries. Implementations: `idbStore()` (IndexedDB, shared by every tab of an origin)
 * and `memoryStore()` (one process, lost on exit). A custom store (SQLite, Durable Object storage, a file)
 * must keep these promises: every write is atomic; `append` assigns increasing `seq` in commit order (a
 * reader that sees `seq` n also sees every smaller one); and a promise resolves only once its write is durable.
 */
export interface OutboxStore {
  /** Identifies the storage; tabs relaying the same store elect one relay under this name. */
  readonly name: string;
  /**
   * Stores `records` in one atomic write, in order. Resolves when the write is durable, with each record's
   * stored entry, or in its slot the error for a record the store cannot hold (`not_serializable`); the
   * others are stored. Rejects, storing nothing, when the write fails as a whole (`storage_quota` …).
   */
  append(records: readonly OutboxRecord[]): Promise<Array<StoredEntry | IsofluxError>>;
  /** Waiting entries matching `query`, oldest first. */
  read(query: ReadQuery): Promise<StoredEntry[]>;
  /** Writes back `attempts` and `lastError` of entries still waiting; entries no longer there are skipped. */
  update(entries: readonly StoredEntry[]): Promise<void>;
  /**
   * Removes delivered entries, atomically. Unknown seqs are ignored. Must not need new storage space (or
   * keep space aside for it): at a full quota a delivered entry that cannot be removed is sent again after
   * a reload. `idbStore` deletes finished chunks and writes a tombstone of a few bytes per seq otherwise,
   * from space it keeps free for that.
   */
  remove(seqs: readonly number[]): Promise<void>;
  /** Moves entries to the dead-letter store, atomically (each leaves the queue in the same write). */
  deadLetter(letters: readonly DeadLetter[]): Promise<void>;
  /** Dead letters, oldest first. */
  listDeadLetters(limit?: number): Promise<DeadLetter[]>;
  /**
   * Puts dead letters (all, or those with these seqs) back at the end of the queue with a new `seq`, their
   * attempts reset and their message id kept. Resolves with how many moved.
   */
  retryDeadLetters(seqs?: readonly number[]): Promise<number>;
  /** Deletes dead letters (all, or those with these seqs). Resolves with how many were deleted. */
  discardDeadLetters(seqs?: readonly number[]): Promise<number>;
  /** Depth, oldest entry and dead-letter count (and `olderCount` when `query.enqueuedBefore` is given). */
  stats(query?: StatsQuery): Promise<OutboxStoreStats>;
  /**
   * Whether the browser granted persistent storage to the origin (`navigator.storage.persisted()`), so it
   * is not evicted under storage pressure. Optional: stores that are not origin storage leave it out.
   */
  persisted?(): Promise<boolean | undefined>;
  /**
   * Calls `listener` after entries were appended (or dead letters retried) by any context sharing the store
   * (other tabs too, for IndexedDB). Returns a function that stops the calls.
   */
  watch(listener: () => void): () => void;
  /** Releases connections and channels. */
  close(): void;
}
