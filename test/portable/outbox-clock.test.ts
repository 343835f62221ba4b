/**
 * The outbox keeps its deadlines on a monotonic clock: moving the wall clock (`Date.now()`, mocked here, the
 * only thing that moves) during a backoff neither stalls nor hurries the retry, and ages stay true.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOutbox, memoryStore, type Outbox } from '../../src/outbox/index.js';
import { ScriptedTarget } from './outbox-fixtures.js';

const BACKOFF_MS = 400;
const realNow = Date.now.bind(Date);
let offset = 0;
/** Moves the wall clock by `ms` from now on; `performance.now()` is untouched. */
const moveWallClock = (ms: number): void => void (offset += ms);
/** Replaces `Date.now` by the movable wall clock (plain assignment: the Deno and workerd runners have no `vi`). */
const mockWallClock = (): void => void (Date.now = () => realNow() + offset);

describe('outbox: a moved wall clock changes nothing', () => {
  const open: Outbox[] = [];
  afterEach(async () => {
    Date.now = realNow;
    offset = 0;
    await Promise.all(open.splice(0).map((o) => o.close()));
  });

  /** A relay whose first attempt fails; resolves with the ms (monotonic) between that failure and the retry. */
  async function retryAfterMoving(ms: number): Promise<{ waited: number; box: Outbox }> {
    mockWallClock();
    let failedAt = 0;
    let retriedAt = 0;
    const target = new ScriptedTarget((_call, attempt) => {
      if (attempt === 1) {
        failedAt = performance.now();
        // the move lands while the relay backs off (its deadline is set once this attempt failed)
        setTimeout(() => moveWallClock(ms), 50);
        throw new Error('broker away');
      }
      retriedAt = performance.now();
    });
    // poll often: an outbox on the wall clock would retry at the first poll after a jump forward
    const box = createOutbox({ store: memoryStore(), target, relay: { backoff: () => BACKOFF_MS, pollIntervalMs: 20 } });
    open.push(box);
    await box.publish('clock.moved', 1);
    await target.until(() => target.acked.length === 1, 4000);
    return { waited: retriedAt - failedAt, box };
  }

  for (const [label, ms] of [
    ['back 150 s', -150_000],
    ['back 1 h', -3_600_000],
    ['back 1 day', -86_400_000],
    ['forward 1 day', 86_400_000],
  ] as const) {
    it(`retries after the backoff, not sooner or later, with the wall clock moved ${label}`, async () => {
      const { waited, box } = await retryAfterMoving(ms);
      expect(waited).toBeGreaterThanOrEqual(BACKOFF_MS - 20);
      expect(waited).toBeLessThan(BACKOFF_MS + 1500);
      expect((await box.refreshStatus()).retried).toBe(1);
    });
  }

  it('keeps ages true and non-negative, and maxAgeMs on real elapsed time, whichever way the clock moves', async () => {
    mockWallClock();
    const target = new ScriptedTarget(() => {
      throw new Error('broker away');
    });
    const box = createOutbox({ store: memoryStore(), target, relay: { backoff: () => 60_000, maxAgeMs: 60_000 } });
    open.push(box);
    await box.publish('clock.age', 1);
    await target.until(() => target.calls.length === 1);
    for (const ms of [-86_400_000, 2 * 86_400_000]) {
      moveWallClock(ms);
      const status = await box.refreshStatus();
      expect(status.oldestAgeMs).toBeGreaterThanOrEqual(0);
      expect(status.oldestAgeMs).toBeLessThan(10_000);
    }
    expect((await box.refreshStatus()).olderThanDuplicateWindow).toBe(0);
    // a day "passed" on the wall clock, not in fact: the entry is not too old, only retried
    box.resume();
    await target.until(() => target.calls.length === 2);
    expect(await box.deadLetters.list()).toEqual([]);
    expect((await box.refreshStatus()).depth).toBe(1);
  });
});
