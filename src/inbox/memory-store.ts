/**
 * An inbox store in memory: for tests, servers whose redeliveries come to the same process, and runtimes
 * without IndexedDB.
 * @module
 */
import type { InboxStore } from './store.js';

/**
 * A Map of ids in recording order. Survives nothing: a restarted process handles a redelivered message
 * again. Use it where the message source redelivers only to a live process, or as a model for your own.
 */
export function memoryInboxStore(): InboxStore {
  const recorded = new Map<string, number>();
  return {
    name: 'memory',
    has: (id) => Promise.resolve(recorded.has(id)),
    add(id, at) {
      recorded.delete(id);
      recorded.set(id, at);
      return Promise.resolve();
    },
    prune(before, maxEntries) {
      let removed = 0;
      for (const [id, at] of recorded) {
        if (at >= before && recorded.size <= maxEntries) break;
        recorded.delete(id);
        removed++;
      }
      return Promise.resolve(removed);
    },
    size: () => Promise.resolve(recorded.size),
    close: () => recorded.clear(),
  };
}
