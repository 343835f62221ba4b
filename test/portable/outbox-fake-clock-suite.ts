/**
 * The outbox under Vitest's fake timers, installed after the outbox's modules loaded (as every test file
 * does: `import` first, `vi.useFakeTimers()` in `beforeEach`): a backoff deadline and an entry's age follow
 * the fake monotonic clock (`performance`), exactly, and a wall-clock jump (`vi.setSystemTime`) changes
 * neither. Not a `*.test.ts`: it needs `vi`, which the Deno/workerd shim has not; run from
 * test/node/outbox-fake-clock.test.ts and test/browser/outbox-fake-clock.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOutbox, memoryStore, monotonicNow, type Outbox } from '../../src/outbox/index.js';
import { ScriptedTarget } from './outbox-fixtures.js';

const BACKOFF_MS = 1000;
const DAY_MS = 86_400_000;
/** Taken before fake timers are installed: a real zero-delay turn (Web Locks answer in a task of their own). */
const realTimeout = globalThis.setTimeout;

/** Lets the relay's microtasks and real tasks (a Web Lock grant) run without moving the fake clock. */
async function settle(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let turns = 0; !(await done()); turns++) {
    if (turns > 200) throw new Error(`not after 200 turns: ${what}`);
    await vi.advanceTimersByTimeAsync(0);
    await new Promise((resolve) => realTimeout(resolve, 0));
  }
}

export function describeOutboxUnderFakeTimers(runtime: string): void {
  describe(`outbox under fake timers installed after load (${runtime})`, () => {
    const open: Outbox[] = [];
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((o) => o.close()));
      vi.useRealTimers();
    });

    /** An outbox whose target fails the first attempt; resolves once that attempt failed. */
    async function failedOnce(): Promise<{ box: Outbox; target: ScriptedTarget }> {
      const target = new ScriptedTarget((_call, attempt) => {
        if (attempt === 1) throw new Error('broker away');
      });
      // polling every 100 ms: a relay on the wall clock would retry at the first poll after a jump forward
      const box = createOutbox({ store: memoryStore(), target, relay: { backoff: () => BACKOFF_MS, pollIntervalMs: 100 } });
      open.push(box);
      await box.publish('clock.fake', 1);
      await settle(() => target.calls.length === 1, 'the first attempt');
      return { box, target };
    }

    it('reads the fake performance clock, not the one there was at load', () => {
      const before = monotonicNow();
      vi.advanceTimersByTime(5000);
      expect(monotonicNow() - before).toBe(5000);
    });

    for (const [label, jump] of [
      ['forward a day', DAY_MS],
      ['back a day', -DAY_MS],
    ] as const) {
      it(`retries exactly when the backoff ran out on the fake clock, with the wall clock moved ${label}`, async () => {
        const { box, target } = await failedOnce();
        vi.setSystemTime(Date.now() + jump);
        await vi.advanceTimersByTimeAsync(BACKOFF_MS - 1);
        await settle(() => true, 'nothing');
        expect(target.calls).toHaveLength(1);
        await vi.advanceTimersByTimeAsync(1);
        await settle(() => target.acked.length === 1, 'the retry');
        expect(target.calls).toHaveLength(2);
        expect((await box.refreshStatus()).retried).toBe(1);
      });
    }

    it('ages entries by the fake clock, not by the moved wall clock', async () => {
      const target = new ScriptedTarget(() => {
        throw new Error('broker away');
      });
      const box = createOutbox({ store: memoryStore(), target, relay: { backoff: () => 60_000, maxAgeMs: 10_000 } });
      open.push(box);
      await box.publish('clock.age', 1);
      await settle(() => target.calls.length === 1, 'the first attempt');
      vi.setSystemTime(Date.now() + 2 * DAY_MS);
      await vi.advanceTimersByTimeAsync(4000);
      expect((await box.refreshStatus()).oldestAgeMs).toBe(4000);
      vi.setSystemTime(Date.now() - 3 * DAY_MS);
      await vi.advanceTimersByTimeAsync(1000);
      expect((await box.refreshStatus()).oldestAgeMs).toBe(5000);
      // past maxAgeMs on the fake clock: the next turn of its lane buries it as too old
      await vi.advanceTimersByTimeAsync(60_000);
      await settle(async () => (await box.deadLetters.list()).length === 1, 'the dead letter');
      expect((await box.deadLetters.list()).map((d) => d.reason)).toEqual(['max_age']);
    });
  });
}
