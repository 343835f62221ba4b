/**
 * Where an inbox keeps the ids it has processed: the pluggable store interface.
 * @module
 */

/**
 * A store of processed message ids, each with the time it was recorded (ms since the epoch). The inbox
 * calls `has` before handling a message and `add` after it was handled; `prune` bounds it.
 * Implementations: {@link memoryInboxStore} (this context only), `idbInboxStore` (IndexedDB, every tab and
 * worker of the origin, and the same transaction as the app's own writes), or your own (a server-side
 * table, SQLite …).
 */
export interface InboxStore {
  /** Shown in errors and status. */
  readonly name: string;
  /** True when `id` was recorded and not pruned since. */
  has(id: string): Promise<boolean>;
  /** Records `id` at `at`; recording an id again moves it to `at`. */
  add(id: string, at: number): Promise<void>;
  /**
   * Removes the ids recorded before `before`, then the oldest ones past `maxEntries`; resolves with how
   * many it removed.
   */
  prune(before: number, maxEntries: number): Promise<number>;
  /** How many ids it holds. */
  size(): Promise<number>;
  /** Releases what the store opened (a database connection). */
  close(): void;
}
