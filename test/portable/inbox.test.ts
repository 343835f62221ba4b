/** The inbox and its memory store (Node, Deno, workerd, Chromium); IndexedDB in test/browser/inbox-idb.test.ts. */
import { describe, expect, it } from 'vitest';
import { createInbox, idbInboxStore, memoryInboxStore } from '../../src/inbox/index.js';
import { describeInboxStore } from './inbox-contract.js';

describeInboxStore('memoryInboxStore', () => memoryInboxStore());

describe('inbox options', () => {
  it('refuses a ttlMs, maxEntries or pruneEvery that is not positive', () => {
    for (const bad of [{ ttlMs: 0 }, { maxEntries: -1 }, { pruneEvery: Number.NaN }]) {
      expect(() => createInbox({ store: memoryInboxStore(), ...bad })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });

  it('idbInboxStore is unsupported without IndexedDB (and opens where there is one)', () => {
    if (typeof indexedDB === 'undefined') expect(() => idbInboxStore()).toThrow(expect.objectContaining({ code: 'unsupported' }));
    else idbInboxStore({ database: `inbox-options-${Date.now()}` }).close();
  });
});
