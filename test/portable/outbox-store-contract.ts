/**
 * The OutboxStore contract, written once: memoryStore runs it everywhere (outbox-store.test.ts), idbStore in
 * Chromium against real IndexedDB (test/browser/outbox-idb.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isIsofluxError } from '../../src/index.js';
import type { OutboxRecord, OutboxStore, StoredEntry } from '../../src/outbox/index.js';

let n = 0;
/** A record as the outbox makes one. */
export function record(subject = 'orders.created', payload: unknown = { n: n }, key = subject): OutboxRecord {
  n++;
  return { id: `id-${n}`, subject, key, payload, headers: { traceparent: `00-${n}` }, enqueuedAt: Date.now() - 1000 + n };
}

function stored(results: Array<StoredEntry | Error>): StoredEntry[] {
  return results.map((r) => {
    if (r instanceof Error) throw r;
    return r;
  });
}

export function describeOutboxStore(name: string, makeStore: () => OutboxStore | Promise<OutboxStore>): void {
  describe(`OutboxStore contract: ${name}`, () => {
    let store: OutboxStore;
    const open = async (): Promise<OutboxStore> => (store = await makeStore());
    afterEach(() => store?.close());

    it('appends in order with increasing seqs and reads the oldest first, after a seq, by key, up to a limit', async () => {
      await open();
      const [a, b, c, d] = stored(await store.append([record('x.a'), record('x.b'), record('x.a'), record('x.c')]));
      expect(a!.seq).toBeLessThan(b!.seq);
      expect(c!.seq).toBeLessThan(d!.seq);
      expect(a).toMatchObject({ attempts: 0, subject: 'x.a', headers: { traceparent: expect.any(String) } });
      expect((await store.read({ limit: 10 })).map((e) => e.id)).toEqual([a!.id, b!.id, c!.id, d!.id]);
      expect((await store.read({ after: b!.seq, limit: 10 })).map((e) => e.id)).toEqual([c!.id, d!.id]);
      expect((await store.read({ key: 'x.a', limit: 10 })).map((e) => e.id)).toEqual([a!.id, c!.id]);
      expect((await store.read({ key: 'x.a', after: a!.seq, limit: 10 })).map((e) => e.id)).toEqual([c!.id]);
      expect(await store.read({ limit: 2 })).toHaveLength(2);
      expect(await store.read({ limit: 0 })).toEqual([]);
    });

    it('keeps the payload as it was at append', async () => {
      await open();
      const payload = { items: [1, 2], nested: { ok: true } };
      await store.append([record('p', payload)]);
      payload.items.push(3);
      expect((await store.read({ limit: 1 }))[0]?.payload).toEqual({ items: [1, 2], nested: { ok: true } });
    });

    it('rejects a payload it cannot clone alone, storing the rest of the batch', async () => {
      await open();
      const results = await store.append([record('ok.1'), record('bad', { f: () => 1 }), record('ok.2')]);
      expect(isIsofluxError(results[1], 'not_serializable')).toBe(true);
      expect((await store.read({ limit: 10 })).map((e) => e.subject)).toEqual(['ok.1', 'ok.2']);
    });

    it('removes single seqs and runs of seqs, ignoring unknown ones', async () => {
      await open();
      const entries = stored(await store.append(Array.from({ length: 8 }, () => record('r'))));
      const seqs = entries.map((e) => e.seq);
      await store.remove([seqs[0]!, seqs[1]!, seqs[2]!, seqs[5]!, 999_999]);
      expect((await store.read({ limit: 10 })).map((e) => e.seq)).toEqual([seqs[3], seqs[4], seqs[6], seqs[7]]);
      expect((await store.stats()).depth).toBe(4);
    });

    it('stays consistent over large batches with scattered removals, updates and dead letters', async () => {
      await open();
      const first = stored(await store.append(Array.from({ length: 300 }, (_, i) => record(`big.${i % 4}`, i))));
      const second = stored(await store.append(Array.from({ length: 5 }, (_, i) => record('big.0', 300 + i))));
      const all = [...first, ...second];
      const gone = all.filter((_, i) => i % 3 === 0 || (i >= 100 && i < 260));
      await store.remove(gone.map((e) => e.seq));
      await store.update([{ ...all[262]!, attempts: 2 }]);
      await store.deadLetter([{ ...all[263]!, reason: 'max_age', deadAt: 1 }]);
      const expected = all.filter((e) => !gone.includes(e) && e !== all[263]);
      const left = await store.read({ limit: 1000 });
      expect(left.map((e) => e.payload)).toEqual(expected.map((e) => e.payload));
      expect(left.find((e) => e.seq === all[262]!.seq)?.attempts).toBe(2);
      expect((await store.read({ after: all[150]!.seq, limit: 3 })).map((e) => e.payload)).toEqual(expected.filter((e) => e.seq > all[150]!.seq).slice(0, 3).map((e) => e.payload));
      expect((await store.read({ key: 'big.0', after: all[270]!.seq, limit: 100 })).map((e) => e.payload)).toEqual(expected.filter((e) => e.key === 'big.0' && e.seq > all[270]!.seq).map((e) => e.payload));
      expect(await store.stats()).toEqual({ depth: expected.length, oldestEnqueuedAt: expected[0]!.enqueuedAt, deadLetters: 1 });
      await store.remove(expected.map((e) => e.seq));
      expect(await store.stats()).toEqual({ depth: 0, oldestEnqueuedAt: undefined, deadLetters: 1 });
    });

    it('never hands out a seq twice, even after the queue emptied', async () => {
      await open();
      const [first] = stored(await store.append([record()]));
      await store.remove([first!.seq]);
      const [second] = stored(await store.append([record()]));
      expect(second!.seq).toBeGreaterThan(first!.seq);
    });

    it('writes back attempts of waiting entries and does not bring back removed ones', async () => {
      await open();
      const [a, b] = stored(await store.append([record(), record()]));
      await store.remove([b!.seq]);
      await store.update([{ ...a!, attempts: 3, lastError: 'boom' }, { ...b!, attempts: 1 }]);
      expect(await store.read({ limit: 10 })).toEqual([{ ...a!, attempts: 3, lastError: 'boom' }]);
    });

    it('moves entries to the dead letters with the reason, lists, retries and discards them', async () => {
      await open();
      const [a, b, c] = stored(await store.append([record('d.a'), record('d.b'), record('d.c')]));
      await store.deadLetter([{ ...a!, attempts: 5, lastError: 'nope', reason: 'max_attempts', errorCode: 'timeout', deadAt: Date.now() }]);
      await store.deadLetter([{ ...c!, reason: 'rejected', errorCode: 'not_serializable', deadAt: Date.now() }]);
      expect((await store.read({ limit: 10 })).map((e) => e.id)).toEqual([b!.id]);
      const letters = await store.listDeadLetters();
      expect(letters.map((l) => [l.id, l.reason, l.errorCode, l.lastError])).toEqual([
        [a!.id, 'max_attempts', 'timeout', 'nope'],
        [c!.id, 'rejected', 'not_serializable', undefined],
      ]);
      expect(await store.stats()).toMatchObject({ depth: 1, deadLetters: 2 });

      expect(await store.retryDeadLetters([a!.seq])).toBe(1);
      const queue = await store.read({ limit: 10 });
      expect(queue.map((e) => e.id)).toEqual([b!.id, a!.id]);
      expect(queue[1]).toMatchObject({ attempts: 0, subject: 'd.a', headers: a!.headers });
      expect(queue[1]!.seq).toBeGreaterThan(c!.seq);
      expect(queue[1]).not.toHaveProperty('reason');

      expect(await store.discardDeadLetters()).toBe(1);
      expect(await store.listDeadLetters()).toEqual([]);
      expect(await store.stats()).toMatchObject({ depth: 2, deadLetters: 0 });
    });

    it('reports depth, the oldest entry and the dead-letter count', async () => {
      await open();
      expect(await store.stats()).toEqual({ depth: 0, oldestEnqueuedAt: undefined, deadLetters: 0 });
      const [a] = stored(await store.append([record(), record()]));
      expect(await store.stats()).toEqual({ depth: 2, oldestEnqueuedAt: a!.enqueuedAt, deadLetters: 0 });
    });

    it('counts the waiting entries enqueued before a moment, across batches and after removals', async () => {
      await open();
      const at = (t: number) => ({ ...record('old.a', t), enqueuedAt: t });
      const first = stored(await store.append(Array.from({ length: 300 }, (_, i) => at(1000 + i))));
      const second = stored(await store.append(Array.from({ length: 5 }, (_, i) => at(2000 + i))));
      expect(await store.stats()).not.toHaveProperty('olderCount');
      expect((await store.stats({ enqueuedBefore: 1150 })).olderCount).toBe(150);
      expect((await store.stats({ enqueuedBefore: 2002 })).olderCount).toBe(302);
      expect((await store.stats({ enqueuedBefore: 0 })).olderCount).toBe(0);
      await store.remove([...first.slice(0, 10), ...first.slice(140, 145), second[0]!].map((e) => e.seq));
      expect((await store.stats({ enqueuedBefore: 1150 })).olderCount).toBe(135);
      expect((await store.stats({ enqueuedBefore: 9999 })).olderCount).toBe(289);
    });

    it('tells watchers about appends and retried dead letters until they stop watching', async () => {
      await open();
      let calls = 0;
      const stop = store.watch(() => calls++);
      const [a] = stored(await store.append([record()]));
      expect(calls).toBe(1);
      await store.deadLetter([{ ...a!, reason: 'max_age', deadAt: Date.now() }]);
      await store.retryDeadLetters();
      expect(calls).toBe(2);
      stop();
      await store.append([record()]);
      expect(calls).toBe(2);
    });
  });
}
