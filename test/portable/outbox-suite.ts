/**
 * Outbox behaviour, written once against any store: memoryStore in every runtime (outbox.test.ts), real
 * IndexedDB in Chromium (test/browser/outbox-idb.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { IsofluxError, NotSerializableError, TimeoutError, isIsofluxError } from '../../src/index.js';
import { createOutbox, type OutboxStatus, type OutboxStore } from '../../src/outbox/index.js';
import { sleep } from './conformance/wait.js';
import { ScriptedTarget, agedPast, countingStore, deferred, outboxNow, outboxesFor, wrapStore } from './outbox-fixtures.js';
import { turn } from './waits.js';

export function describeOutbox(name: string, makeStore: () => OutboxStore): void {
  describe(`outbox: ${name}`, () => {
    const outbox = outboxesFor(makeStore);

    it('resolves publish once the entry is stored, with its id and headers, and shares one write per tick', async () => {
      const store = countingStore(makeStore());
      const box = outbox({ store });
      await Promise.all(Array.from({ length: 100 }, (_, i) => box.publish(`orders.${i % 3}`, { i }, { headers: { traceparent: `t${i}` } })));
      expect(store.counts.append).toBe(1);
      const entries = await store.read({ limit: 200 });
      expect(entries).toHaveLength(100);
      expect(entries[7]).toMatchObject({ subject: 'orders.1', payload: { i: 7 }, headers: { traceparent: 't7' }, key: 'orders.1' });
      expect(new Set(entries.map((e) => e.id)).size).toBe(100);
      await box.publish('orders.x', 1, { id: 'my-id' });
      expect(store.counts.append).toBe(2);
      expect((await store.read({ limit: 200 })).at(-1)?.id).toBe('my-id');
    });

    it('groups the publishes made while a write runs into the next write (group commit), in order', async () => {
      const inner = makeStore();
      const gate = deferred();
      const sizes: number[] = [];
      const store = wrapStore(inner, {
        append: async (records) => {
          sizes.push(records.length);
          if (sizes.length === 1) await gate.promise;
          return inner.append(records);
        },
      });
      const box = outbox({ store });
      const writes = [box.publish('g', 0)];
      for (let i = 1; i <= 10; i++) {
        await sleep(0);
        writes.push(box.publish('g', i));
      }
      gate.resolve();
      await Promise.all(writes);
      expect(sizes).toEqual([1, 10]);
      expect((await inner.read({ limit: 20 })).map((e) => e.payload)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('rejects a bad subject, a closed outbox and an aborted signal, storing nothing', async () => {
      const box = outbox();
      await expect(box.publish('orders.*', 1)).rejects.toMatchObject({ code: 'invalid_subject' });
      await expect(box.publish('a', 1, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
      await box.close();
      await expect(box.publish('a', 1)).rejects.toMatchObject({ code: 'closed' });
      expect((await box.store.stats()).depth).toBe(0);
    });

    it('rejects an uncloneable payload alone; the rest of its tick is stored', async () => {
      const box = outbox();
      const results = await Promise.allSettled([box.publish('a', 1), box.publish('a', { f: () => 2 }), box.publish('a', 3)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(NotSerializableError);
      expect((await box.store.read({ limit: 10 })).map((e) => e.payload)).toEqual([1, 3]);
    });

    it('delivers every entry with its id and headers, then removes it', async () => {
      const target = new ScriptedTarget();
      const box = outbox({ target });
      await Promise.all([box.publish('a.1', 'x', { id: 'id-x', headers: { traceparent: 'tp' } }), box.publish('a.2', 'y')]);
      await box.drained();
      expect(target.acked.map((c) => [c.subject, c.payload])).toEqual([['a.1', 'x'], ['a.2', 'y']]);
      expect(target.acked[0]).toMatchObject({ id: 'id-x', headers: { traceparent: 'tp' } });
      expect(await box.store.stats()).toMatchObject({ depth: 0 });
    });

    it('removes an entry only after the target resolved', async () => {
      const gate = deferred();
      const target = new ScriptedTarget(() => gate.promise);
      const box = outbox({ target });
      await box.publish('slow', 1);
      await target.until(() => target.calls.length === 1);
      // a removal started before the target resolved is issued by now, and the store runs requests in order
      await turn();
      expect((await box.store.stats()).depth).toBe(1);
      expect((await box.refreshStatus()).inFlight).toBe(1);
      gate.resolve();
      await box.drained();
      expect(target.acked).toHaveLength(1);
    });

    it('retries a failing entry with the same id until it is acknowledged (a 5xx is never "delivered")', async () => {
      const target = new ScriptedTarget((_call, attempt) => {
        if (attempt < 3) throw new Error(`HTTP 503 (attempt ${attempt})`);
      });
      const box = outbox({ target });
      await box.publish('retry.me', 1);
      await box.drained();
      expect(target.calls.map((c) => c.id)).toEqual(Array(3).fill(target.calls[0]!.id));
      expect(target.acked).toHaveLength(1);
      const status = await box.refreshStatus();
      expect(status).toMatchObject({ delivered: 1, retried: 2, depth: 0 });
      expect(status.lastError?.message).toBe('HTTP 503 (attempt 2)');
    });

    it('keeps order per subject while a failing subject does not hold up the others', async () => {
      const target = new ScriptedTarget((call, attempt) => {
        if (call.payload === 'a1' && attempt < 4) throw new Error('not yet');
      });
      const box = outbox({ target, relay: { backoff: () => 40 } });
      await Promise.all(['a1', 'a2', 'a3'].map((p) => box.publish('a', p)).concat(['b1', 'b2'].map((p) => box.publish('b', p))));
      await target.until(() => target.acked.filter((c) => c.subject === 'b').length === 2);
      expect(target.calls.filter((c) => c.subject === 'a').map((c) => c.payload)).toEqual(['a1']);
      await box.drained();
      expect(target.acked.filter((c) => c.subject === 'a').map((c) => c.payload)).toEqual(['a1', 'a2', 'a3']);
      expect(target.calls.filter((c) => c.payload === 'a2')).toHaveLength(1);
    });

    it('orders by a key function, or not at all', async () => {
      const target = new ScriptedTarget(() => sleep(5));
      const box = outbox({ target, orderBy: (_subject, payload) => String((payload as { user: string }).user) });
      await Promise.all(Array.from({ length: 30 }, (_, i) => box.publish(`e.${i}`, { user: `u${i % 3}`, i })));
      await box.drained();
      for (const user of ['u0', 'u1', 'u2']) {
        const seen = target.acked.map((c) => c.payload as { user: string; i: number }).filter((p) => p.user === user).map((p) => p.i);
        expect(seen).toEqual([...seen].sort((a, b) => a - b));
      }
      expect(target.maxConcurrent).toBe(3);

      const free = new ScriptedTarget(() => sleep(5));
      const unordered = outbox({ target: free, orderBy: 'none' });
      await Promise.all(Array.from({ length: 20 }, (_, i) => unordered.publish('same.subject', i)));
      await unordered.drained();
      expect(free.maxConcurrent).toBeGreaterThan(1);
    });

    it('keeps keys apart and in order when one key has more entries than the relay holds in memory', async () => {
      const target = new ScriptedTarget();
      const box = outbox({ target, relay: { window: 32 } });
      const expected: Record<string, number[]> = { big: [], s1: [], s2: [] };
      const writes: Array<Promise<void>> = [];
      for (let i = 0; i < 300; i++) {
        const subject = i % 10 === 3 ? 's1' : i % 10 === 7 ? 's2' : 'big';
        expected[subject]!.push(i);
        writes.push(box.publish(subject, i));
      }
      await Promise.all(writes);
      await box.drained();
      for (const subject of Object.keys(expected)) {
        expect(target.acked.filter((c) => c.subject === subject).map((c) => c.payload)).toEqual(expected[subject]);
      }
      expect(target.calls).toHaveLength(300);
    });

    it('dead-letters after maxAttempts with the reason while the rest keep flowing; retry and discard', async () => {
      let reject = true;
      const target = new ScriptedTarget((call) => {
        if (call.subject === 'poison' && reject) throw new IsofluxError('remote_error', 'stream rejected it');
      });
      const box = outbox({ target, relay: { maxAttempts: 3 } });
      await Promise.all([box.publish('poison', 'p'), ...Array.from({ length: 20 }, (_, i) => box.publish('good', i))]);
      await box.drained();
      expect(target.acked.filter((c) => c.subject === 'good')).toHaveLength(20);
      expect(target.calls.filter((c) => c.subject === 'poison')).toHaveLength(3);
      const [letter] = await box.deadLetters.list();
      expect(letter).toMatchObject({ subject: 'poison', payload: 'p', reason: 'max_attempts', attempts: 3, errorCode: 'remote_error', lastError: 'stream rejected it' });
      expect(await box.refreshStatus()).toMatchObject({ deadLetters: 1, deadLettered: 1, depth: 0 });

      reject = false;
      expect(await box.deadLetters.retry()).toBe(1);
      await box.drained();
      expect(target.acked.filter((c) => c.subject === 'poison').map((c) => c.id)).toEqual([letter!.id]);
      expect(await box.deadLetters.list()).toEqual([]);

      reject = true;
      await box.publish('poison', 'again');
      await target.until(() => target.calls.filter((c) => c.payload === 'again').length === 3);
      await box.drained();
      expect(await box.deadLetters.discard()).toBe(1);
      expect((await box.refreshStatus()).deadLetters).toBe(0);
    });

    it('dead-letters at once what retrying cannot fix, and what is older than maxAgeMs', async () => {
      const target = new ScriptedTarget((call) => {
        if (call.subject === 'bad') throw new NotSerializableError('JSON');
      });
      const box = outbox({ target, relay: { maxAgeMs: 60_000 } });
      await box.publish('bad', 1);
      await box.drained();
      expect((await box.deadLetters.list()).map((l) => [l.subject, l.reason, l.attempts])).toEqual([['bad', 'rejected', 1]]);
      expect(target.calls).toHaveLength(1);

      const store = makeStore();
      const writer = createOutbox({ store });
      await writer.publish('late', 1);
      const enqueued = outboxNow();
      await writer.close();
      await agedPast(enqueued, 10);
      const aged = outbox({ store, target, relay: { maxAgeMs: 10 } });
      await aged.drained();
      expect((await aged.deadLetters.list()).map((l) => [l.subject, l.reason, l.attempts])).toEqual([['late', 'max_age', 0]]);
      expect(target.calls.filter((c) => c.subject === 'late')).toEqual([]);
    });

    it('counts a publish that never settles as failed after requestTimeoutMs and resends the same id', async () => {
      const target = new ScriptedTarget((_call, attempt) => (attempt === 1 ? new Promise<void>(() => undefined) : undefined));
      const box = outbox({ target, relay: { requestTimeoutMs: 30 } });
      await box.publish('hang', 1);
      await box.drained();
      expect(target.calls).toHaveLength(2);
      expect(target.calls[0]!.id).toBe(target.calls[1]!.id);
      expect((await box.refreshStatus()).lastError?.code).toBe(new TimeoutError('x', 1).code);
    });

    it('pauses and resumes; resume retries at once instead of waiting out the backoff', async () => {
      let fail = true;
      const target = new ScriptedTarget(() => {
        if (fail) throw new Error('broker down');
      });
      const box = outbox({ target, relay: { backoff: () => 60_000 } });
      await box.publish('x', 1);
      await target.until(() => target.calls.length === 1);
      fail = false;
      box.resume();
      await box.drained();
      expect(target.acked).toHaveLength(1);

      box.pause();
      expect((await box.refreshStatus()).relay).toBe('paused');
      await box.publish('x', 2);
      // fixed sleep: a paused relay shows no event for "saw entry 2 and held it"; 60 ms is many poll turns
      await sleep(60);
      expect(target.calls).toHaveLength(2);
      box.resume();
      await box.drained();
      expect(target.acked.map((c) => c.payload)).toEqual([1, 2]);
    });

    it('leaves undelivered entries in the store on close; the next outbox on that store delivers them with the same ids', async () => {
      const store = makeStore();
      const first = createOutbox({ store });
      await Promise.all([1, 2, 3].map((i) => first.publish('later', i, { id: `keep-${i}` })));
      await first.close();
      const target = new ScriptedTarget();
      const second = outbox({ store, target });
      await second.drained();
      expect(target.acked.map((c) => c.id)).toEqual(['keep-1', 'keep-2', 'keep-3']);
    });

    it('reports status changes: depth, in-flight, relay state', async () => {
      const gate = deferred();
      const target = new ScriptedTarget(() => gate.promise);
      const seen: OutboxStatus[] = [];
      const box = outbox({ target, onStatus: (s) => seen.push(s) });
      await Promise.all([box.publish('s', 1), box.publish('s', 2)]);
      await target.until(() => target.calls.length === 1);
      await box.refreshStatus();
      expect(box.status).toMatchObject({ depth: 2, inFlight: 1 });
      expect(box.status.oldestAgeMs).toBeGreaterThanOrEqual(0);
      expect(box.status.relay).toBe('relaying');
      gate.resolve();
      await box.drained();
      const last = await box.refreshStatus();
      expect(last).toMatchObject({ depth: 0, inFlight: 0, delivered: 2, oldestAgeMs: undefined });
      expect(seen.some((s) => s.depth === 2)).toBe(true);
      expect(seen.at(-1)).toEqual(last);
    });

    it('fails a write as a whole with storage_quota, keeping earlier entries', async () => {
      const inner = makeStore();
      let full = false;
      const store = wrapStore(inner, {
        append: (records) => (full ? Promise.reject(new IsofluxError('storage_quota', 'full')) : inner.append(records)),
      });
      const box = outbox({ store });
      await box.publish('q', 1);
      full = true;
      const error = await box.publish('q', 2).catch((e: unknown) => e);
      expect(isIsofluxError(error, 'storage_quota')).toBe(true);
      expect((await inner.read({ limit: 10 })).map((e) => e.payload)).toEqual([1]);
    });
  });
}
