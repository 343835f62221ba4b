/**
 * The relay's in-memory view of the queue: one lane per ordering key, filled from the store in windows.
 * @module
 */
import type { StoredEntry } from './store.js';

/** The entries of one ordering key the relay holds in memory, oldest first; only the head is ever in flight. */
export interface Lane {
  readonly key: string;
  readonly entries: StoredEntry[];
  /** A run of deliveries is going on in this lane. */
  busy: boolean;
  /** Monotonic time (`monotonicNow()`) before which the head is not retried (backoff after a failure). */
  blockedUntil: number;
  /** Highest seq of this key taken from the store: later reads never hand out a seq twice. */
  lastSeq: number;
  /** Entries of this key after `lastSeq` were left in the store to keep memory bounded: read them by key. */
  truncated: boolean;
}

/**
 * Lanes by key, with the count of entries they hold. Entries beyond `laneWindow` per key stay in the store
 * (the lane is marked truncated and reloads them by key when it runs dry), so one long or failing key never
 * fills the window and the reads keep advancing to other keys: no head-of-line blocking across keys.
 */
export class Lanes {
  readonly #lanes = new Map<string, Lane>();
  readonly #laneWindow: number;
  /** Entries held in memory across lanes. */
  loaded = 0;

  constructor(laneWindow: number) {
    this.#laneWindow = laneWindow;
  }

  get size(): number {
    return this.#lanes.size;
  }

  values(): IterableIterator<Lane> {
    return this.#lanes.values();
  }

  /** Takes one entry from an in-order read of the whole queue. */
  admit(entry: StoredEntry): void {
    let lane = this.#lanes.get(entry.key);
    if (lane === undefined) {
      lane = { key: entry.key, entries: [], busy: false, blockedUntil: 0, lastSeq: -Infinity, truncated: false };
      this.#lanes.set(entry.key, lane);
    }
    if (entry.seq <= lane.lastSeq || lane.truncated) return;
    if (lane.entries.length >= this.#laneWindow) {
      lane.truncated = true;
      return;
    }
    this.#push(lane, entry);
  }

  /**
   * Takes a by-key read of a truncated lane. Entries past `watermark` are left for the in-order reads (which
   * have not reached them); the lane is complete again once the read came back short or crossed it.
   */
  refill(lane: Lane, entries: readonly StoredEntry[], watermark: number): void {
    let complete = entries.length < this.#laneWindow;
    for (const entry of entries) {
      if (entry.seq > watermark) {
        complete = true;
        break;
      }
      if (entry.seq > lane.lastSeq) this.#push(lane, entry);
    }
    if (complete) lane.truncated = false;
  }

  /** Drops the delivered (or dead-lettered) head. */
  shift(lane: Lane): void {
    lane.entries.shift();
    this.loaded--;
  }

  /** Forgets a lane with nothing left, so the map holds only keys with work. */
  release(lane: Lane): void {
    if (!lane.busy && lane.entries.length === 0 && !lane.truncated) this.#lanes.delete(lane.key);
  }

  /**
   * Gives the memory of backing-off lanes back (keeping each head), so fresh keys can be read while some
   * keys keep failing. Returns how many entries were dropped.
   */
  shrinkBlocked(now: number): number {
    let dropped = 0;
    for (const lane of this.#lanes.values()) {
      if (lane.busy || lane.blockedUntil <= now || lane.entries.length <= 1) continue;
      const removed = lane.entries.splice(1);
      dropped += removed.length;
      lane.lastSeq = (lane.entries[0] as StoredEntry).seq;
      lane.truncated = true;
    }
    this.loaded -= dropped;
    return dropped;
  }

  /** Every lane forgets its backoff (a reconnect or `resume()`). */
  unblockAll(): void {
    for (const lane of this.#lanes.values()) lane.blockedUntil = 0;
  }

  #push(lane: Lane, entry: StoredEntry): void {
    lane.entries.push(entry);
    lane.lastSeq = entry.seq;
    this.loaded++;
  }
}
