/** The outbox with the memory store, in every runtime: relay semantics, ordering, retries, dead letters, status. */
import { describe, expect, it } from 'vitest';
import { createOutbox, memoryStore, StorageQuotaError } from '../../src/outbox/index.js';
import { describeOutbox } from './outbox-suite.js';

describeOutbox('memoryStore', () => memoryStore());

describe('outbox: memoryStore specifics', () => {
  it('rejects a tick of publishes with storage_quota when maxEntries would be exceeded; earlier entries stay', async () => {
    const box = createOutbox({ store: memoryStore({ maxEntries: 3 }) });
    await Promise.all([box.publish('q', 1), box.publish('q', 2)]);
    const results = await Promise.allSettled([box.publish('q', 3), box.publish('q', 4)]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StorageQuotaError);
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'storage_quota' });
    }
    expect((await box.store.read({ limit: 10 })).map((e) => e.payload)).toEqual([1, 2]);
    await box.publish('q', 5);
    await box.close();
  });

  it('needs an explicit store where there is no IndexedDB, and says so', () => {
    if (typeof indexedDB !== 'undefined') return;
    expect(() => createOutbox()).toThrow(expect.objectContaining({ code: 'unsupported' }));
  });
});
