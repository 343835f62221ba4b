/**
 * `tap(outbox, listener)`, written once against any store: memoryStore in every runtime
 * (outbox-tap.test.ts), real IndexedDB in Chromium (test/browser/outbox-tap-idb.test.ts). Each event is
 * checked against what the outbox did: the entry the store holds, the target's calls, the dead letter.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionFailedError, InvalidArgumentError, StorageQuotaError, tap, type TapEvent } from '../../src/index.js';
import type { Outbox, OutboxStore } from '../../src/outbox/index.js';
import { ScriptedTarget, agedPast, outboxNow, outboxesFor, wrapStore } from './outbox-fixtures.js';
import { until } from './waits.js';

/** Every event of `box`, and a wait for the events of one message. */
function record(box: Outbox): { events: TapEvent[]; stop: () => void; of: (id: string, count: number) => Promise<TapEvent[]> } {
  const events: TapEvent[] = [];
  const stop = tap(box, (event) => void events.push(event));
  const of = async (id: string, count: number): Promise<TapEvent[]> => {
    const mine = (): TapEvent[] => events.filter((e) => e.id === id);
    await until(() => mine().length >= count, { what: `${count} tap events of ${id} (got ${mine().map((e) => e.kind).join(', ')})` });
    return mine();
  };
  return { events, stop, of };
}

export function describeOutboxTaps(name: string, makeStore: () => OutboxStore): void {
  describe(`outbox wiretap: ${name}`, () => {
    const outbox = outboxesFor(makeStore);

    it('reports published once the entry is stored, with what the store holds, and nothing after the tap is removed', async () => {
      const store = makeStore();
      const box = outbox({ store });
      const { events, stop, of } = record(box);
      const before = outboxNow();
      await box.publish('orders.created', { n: 1 }, { id: 'o-1', headers: { tenant: 'a' } });
      const [published] = await of('o-1', 1);
      const [stored] = await store.read({ limit: 10 });
      expect(published).toMatchObject({ kind: 'published', system: 'outbox', subject: 'orders.created', id: 'o-1', payload: { n: 1 }, headers: { tenant: 'a' } });
      expect(published?.at).toBeGreaterThanOrEqual(stored?.enqueuedAt ?? Infinity);
      expect(published?.at).toBeLessThanOrEqual(outboxNow());
      expect(published?.durationMs).toBe((published?.at ?? 0) - (stored?.enqueuedAt ?? 0));
      expect(stored?.enqueuedAt).toBeGreaterThanOrEqual(before);
      stop();
      await box.publish('orders.created', { n: 2 }, { id: 'o-2' });
      expect((await store.read({ limit: 10 })).map((e) => e.id)).toEqual(['o-1', 'o-2']);
      expect(events.map((e) => e.id)).toEqual(['o-1']);
    });

    it('reports a publish the store refused as failed, with the store error and its code', async () => {
      const quota = new StorageQuotaError('test store');
      const inner = makeStore();
      const box = outbox({ store: wrapStore(inner, { append: () => Promise.reject(quota) }) });
      const { of } = record(box);
      await expect(box.publish('orders.created', 1, { id: 'q-1' })).rejects.toBe(quota);
      const [failed] = await of('q-1', 1);
      expect(failed).toMatchObject({ kind: 'failed', system: 'outbox', subject: 'orders.created', id: 'q-1', reason: 'storage_quota', error: quota });
      // not a delivery attempt: nothing was stored to deliver
      expect(failed?.attempt).toBeUndefined();
    });

    it('reports each refused attempt as failed (attempt n, error code), then delivered on the attempt that the target acknowledged', async () => {
      const refusals = [new ConnectionFailedError('ws://broker', 'refused'), new Error('no code')];
      const target = new ScriptedTarget((_call, attempt) => {
        const refusal = refusals[attempt - 1];
        if (refusal !== undefined) throw refusal;
      });
      const box = outbox({ target });
      const { of } = record(box);
      await box.publish('orders.paid', { n: 7 }, { id: 'p-1' });
      const events = await of('p-1', 4);
      expect(events.map((e) => [e.kind, e.attempt])).toEqual([
        ['published', undefined],
        ['failed', 1],
        ['failed', 2],
        ['delivered', 3],
      ]);
      const [, first, second, delivered] = events as [TapEvent, TapEvent, TapEvent, TapEvent];
      expect(first).toMatchObject({ reason: 'connection_failed', error: refusals[0], subject: 'orders.paid', payload: { n: 7 } });
      expect(second).toMatchObject({ reason: undefined, error: refusals[1] });
      expect(target.acked.map((c) => c.id)).toEqual(['p-1']);
      expect(target.calls).toHaveLength(3);
      for (const e of [first, second]) expect(e.durationMs).toBeGreaterThanOrEqual(0);
      // delivered: the time since enqueue, so at least the two failed attempts' and their backoffs
      expect(delivered.durationMs).toBeGreaterThanOrEqual((first.durationMs ?? 0) + (second.durationMs ?? 0));
      expect(delivered.at).toBeGreaterThanOrEqual(second.at);
      expect((await box.refreshStatus()).delivered).toBe(1);
    });

    it('reports a rejected entry as failed then dead-lettered, matching what deadLetters.list() returns', async () => {
      const rejection = new InvalidArgumentError('the target takes no such payload');
      const target = new ScriptedTarget(() => {
        throw rejection;
      });
      const box = outbox({ target });
      const { of } = record(box);
      await box.publish('orders.bad', { n: 3 }, { id: 'r-1' });
      const [, failed, dead] = (await of('r-1', 3)) as [TapEvent, TapEvent, TapEvent];
      expect(failed).toMatchObject({ kind: 'failed', attempt: 1, reason: 'invalid_argument', error: rejection });
      const [letter] = await box.deadLetters.list();
      expect(letter).toBeDefined();
      expect(dead).toMatchObject({ kind: 'dead-lettered', system: 'outbox', subject: letter?.subject, id: letter?.id, payload: letter?.payload, headers: letter?.headers });
      expect(dead).toMatchObject({ reason: letter?.reason, at: letter?.deadAt, attempt: letter?.attempts, error: rejection });
      expect(letter).toMatchObject({ reason: 'rejected', attempts: 1, errorCode: 'invalid_argument' });
      expect((dead.error as { code?: string }).code).toBe(letter?.errorCode);
      expect(dead.durationMs).toBe((letter?.deadAt ?? 0) - (letter?.enqueuedAt ?? 0));
    });

    it('reports max_attempts dead letters after the last failed attempt', async () => {
      const target = new ScriptedTarget(() => {
        throw new ConnectionFailedError('ws://broker', 'refused');
      });
      const box = outbox({ target, relay: { maxAttempts: 2 } });
      const { of } = record(box);
      await box.publish('orders.lost', 1, { id: 'm-1' });
      const events = await of('m-1', 4);
      expect(events.map((e) => [e.kind, e.attempt, e.reason])).toEqual([
        ['published', undefined, undefined],
        ['failed', 1, 'connection_failed'],
        ['failed', 2, 'connection_failed'],
        ['dead-lettered', 2, 'max_attempts'],
      ]);
      const [letter] = await box.deadLetters.list();
      expect(letter).toMatchObject({ id: 'm-1', reason: 'max_attempts', attempts: 2, errorCode: 'connection_failed', deadAt: events[3]?.at });
    });

    it('reports an entry too old to send as dead-lettered max_age, with no attempt made', async () => {
      const target = new ScriptedTarget();
      const box = outbox({ target, relay: { maxAgeMs: 30 } });
      box.pause();
      const { of } = record(box);
      await box.publish('orders.stale', 1, { id: 'a-1' });
      const [stored] = await box.store.read({ limit: 1 });
      await agedPast(stored?.enqueuedAt ?? 0, 30);
      box.resume();
      const [, dead] = (await of('a-1', 2)) as [TapEvent, TapEvent];
      expect(dead).toMatchObject({ kind: 'dead-lettered', reason: 'max_age', attempt: 0, error: undefined });
      expect(dead.durationMs).toBeGreaterThan(30);
      expect(target.calls).toEqual([]);
      expect((await box.deadLetters.list())[0]).toMatchObject({ id: 'a-1', reason: 'max_age', deadAt: dead.at });
    });

    it('keeps delivering when a listener throws, and other listeners still hear every event', async () => {
      const target = new ScriptedTarget();
      const box = outbox({ target });
      tap(box, () => {
        throw new Error('a broken listener');
      });
      const { of } = record(box);
      await box.publish('orders.ok', 1, { id: 'k-1' });
      expect((await of('k-1', 2)).map((e) => e.kind)).toEqual(['published', 'delivered']);
      expect(target.acked.map((c) => c.id)).toEqual(['k-1']);
    });
  });
}
