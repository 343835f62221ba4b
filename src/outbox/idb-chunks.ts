/**
 * The IndexedDB layout of the outbox: waiting entries packed in chunks, so a tick of publishes costs a few
 * IndexedDB requests instead of one per message (each request is a round trip to the browser's storage
 * process, which is what bounds a one-`put`-per-message outbox).
 * @module
 */
import { NotSerializableError, type IsofluxError } from '../core/errors.js';
import type { StoredEntry } from './store.js';

/*
 * One object store holds everything, so every change is one atomic transaction:
 *   number keys  → a chunk: an array of waiting entries with consecutive-or-increasing seqs; its key is ≥ every
 *                  seq in it and < every seq of the next chunk (chunks only shrink, and empty ones are deleted)
 *   'next-seq'   → the next seq to hand out; 'depth' → how many entries wait (strings sort after numbers)
 *   [seq] keys   → dead letters, one per key (arrays sort last)
 */
export const NEXT_SEQ = 'next-seq';
export const DEPTH = 'depth';
/** Entries per chunk at most: bounds what a removal rewrites. */
export const CHUNK_SIZE = 128;
export const liveRange = (after = -Infinity): IDBKeyRange => IDBKeyRange.bound(after, Infinity, true, false);
export const deadRange = (): IDBKeyRange => IDBKeyRange.lowerBound([]);

/**
 * Writes `entries` (seqs already assigned, increasing) as chunks. An entry whose payload IndexedDB cannot
 * clone is retried alone and, failing again, reported in its slot of `results` (null for the stored ones).
 * Other errors (quota) are thrown and abort the transaction.
 */
export function putChunks(os: IDBObjectStore, entries: readonly StoredEntry[]): Array<IsofluxError | null> {
  const results = new Array<IsofluxError | null>(entries.length).fill(null);
  for (let from = 0; from < entries.length; from += CHUNK_SIZE) {
    const chunk = entries.slice(from, from + CHUNK_SIZE);
    if (tryPut(os, chunk)) continue;
    chunk.forEach((entry, i) => {
      if (!tryPut(os, [entry])) results[from + i] = new NotSerializableError('IndexedDB (structured clone)');
    });
  }
  return results;
}

function tryPut(os: IDBObjectStore, chunk: StoredEntry[]): boolean {
  try {
    os.put(chunk, (chunk[chunk.length - 1] as StoredEntry).seq);
    return true;
  } catch (error) {
    if ((error as { name?: unknown }).name === 'DataCloneError') return false;
    throw error;
  }
}

/** Calls `visit` with every waiting entry after `after`, in order, until it returns false; then `done`. */
export function scanEntries(os: IDBObjectStore, after: number, visit: (entry: StoredEntry) => boolean, done: () => void): void {
  const cursor = os.openCursor(liveRange(after));
  cursor.onsuccess = () => {
    const c = cursor.result;
    if (c === null) return done();
    for (const entry of c.value as StoredEntry[]) {
      if (entry.seq > after && !visit(entry)) return done();
    }
    c.continue();
  };
}

/**
 * Edits the chunks holding `seqs`: `edit(entry)` returns the entry to keep (possibly changed) or undefined
 * to drop it; untouched entries stay. Chunks left empty are deleted. Calls `done(dropped)` at the end.
 */
export function editEntries(os: IDBObjectStore, seqs: readonly number[], edit: (entry: StoredEntry) => StoredEntry | undefined, done: (dropped: number) => void): void {
  const wanted = [...new Set(seqs)].sort((a, b) => a - b);
  let next = 0;
  let dropped = 0;
  if (wanted.length === 0) return done(0);
  const cursor = os.openCursor(IDBKeyRange.bound(wanted[0], Infinity));
  cursor.onsuccess = () => {
    const c = cursor.result;
    if (c === null) return done(dropped);
    const key = c.key as number;
    const targets = new Set<number>();
    while (next < wanted.length && (wanted[next] as number) <= key) targets.add(wanted[next++] as number);
    const kept: StoredEntry[] = [];
    let changed = false;
    for (const entry of c.value as StoredEntry[]) {
      if (!targets.has(entry.seq)) {
        kept.push(entry);
        continue;
      }
      changed = true;
      const edited = edit(entry);
      if (edited === undefined) dropped++;
      else kept.push(edited);
    }
    if (changed) {
      if (kept.length === 0) c.delete();
      else c.update(kept);
    }
    if (next >= wanted.length) return done(dropped);
    c.continue(wanted[next]);
  };
}

/** Reads meta keys as numbers (0 when absent) and calls `then` with them; the reads go out together. */
export function readNumbers<K extends readonly string[]>(os: IDBObjectStore, keys: K, then: (values: { [I in keyof K]: number }) => void): void {
  const requests = keys.map((key) => os.get(key));
  // Requests of one transaction complete in order: the last one's success means all are done.
  (requests[requests.length - 1] as IDBRequest).onsuccess = () =>
    then(requests.map((r) => (typeof r.result === 'number' ? r.result : 0)) as { [I in keyof K]: number });
}
