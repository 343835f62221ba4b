/**
 * Store figures from the IndexedDB layout without reading payloads: depth from chunk keys and tombstones,
 * the oldest entry from the first chunk, entries older than a moment by binary search over the chunks.
 * @module
 */
import { countOf, deadRange, liveRange, readTombstones, type Tombstones } from './idb-chunks.js';
import type { OutboxStoreStats, StatsQuery, StoredEntry } from './store.js';

/** Reads the stats inside `os`'s transaction; `then` gets them once every request is done. */
export function readStats(os: IDBObjectStore, query: StatsQuery | undefined, then: (stats: OutboxStoreStats) => void): void {
  const dead = os.count(deadRange());
  const keys = os.getAllKeys(liveRange());
  readTombstones(os, (tombs) => {
    const chunkKeys = keys.result as number[];
    const counts = chunkKeys.map((key) => (countOf(key) ?? 0) - (tombs.get(key)?.size ?? 0));
    const legacy = chunkKeys.filter((key) => countOf(key) === undefined);
    const finish = (): void => {
      const depth = counts.reduce((a, b) => a + b, 0);
      const first = chunkKeys[0];
      if (first === undefined) return then(withOlder({ depth, oldestEnqueuedAt: undefined, deadLetters: dead.result }, query, 0));
      get(os, first, (entries) => {
        const oldest = live(entries, tombs.get(first))[0]?.enqueuedAt;
        const stats = { depth, oldestEnqueuedAt: oldest, deadLetters: dead.result };
        if (query?.enqueuedBefore === undefined) return then(stats);
        countOlder(os, chunkKeys, counts, tombs, query.enqueuedBefore, (older) => then(withOlder(stats, query, older)));
      });
    };
    if (legacy.length === 0) return finish();
    // chunks written by an older layout do not carry their count in the key: read those
    let pending = legacy.length;
    for (const key of legacy) {
      get(os, key, (entries) => {
        counts[chunkKeys.indexOf(key)] = live(entries, tombs.get(key)).length;
        if (--pending === 0) finish();
      });
    }
  });
}

function withOlder(stats: OutboxStoreStats, query: StatsQuery | undefined, older: number): OutboxStoreStats {
  return query?.enqueuedBefore === undefined ? stats : { ...stats, olderCount: older };
}

function get(os: IDBObjectStore, key: number, then: (entries: StoredEntry[]) => void): void {
  const request = os.get(key);
  request.onsuccess = () => then((request.result as StoredEntry[] | undefined) ?? []);
}

const live = (entries: StoredEntry[], gone: Set<number> | undefined): StoredEntry[] => (gone === undefined ? entries : entries.filter((e) => !gone.has(e.seq)));

/**
 * Waiting entries enqueued before `before`, counted by position: entries are in enqueue order, so a binary
 * search over the chunks (log2(chunks) reads) finds the first young chunk; the ones before it count whole.
 */
function countOlder(os: IDBObjectStore, keys: number[], counts: number[], tombs: Tombstones, before: number, then: (older: number) => void): void {
  let low = 0;
  let high = keys.length; // invariant: chunks < low start old; chunks ≥ high start young
  const step = (): void => {
    if (low >= high) {
      // chunk low-1 starts old but may end young: count its old entries one by one
      const boundary = low - 1;
      if (boundary < 0) return then(0);
      const whole = counts.slice(0, boundary).reduce((a, b) => a + b, 0);
      return get(os, keys[boundary] as number, (entries) =>
        then(whole + live(entries, tombs.get(keys[boundary] as number)).filter((e) => e.enqueuedAt < before).length),
      );
    }
    const mid = (low + high) >> 1;
    get(os, keys[mid] as number, (entries) => {
      const first = live(entries, tombs.get(keys[mid] as number))[0];
      if (first !== undefined && first.enqueuedAt < before) low = mid + 1;
      else high = mid;
      step();
    });
  };
  step();
}
