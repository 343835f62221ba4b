/**
 * The outbox's clock: monotonic, so moving the wall clock (by hand, NTP, a time zone bug) never stalls a
 * backoff or ages an entry.
 * @module
 */

interface MonotonicSource {
  readonly now: () => number;
  readonly timeOrigin: number;
}

/** The last reading, and the clock it came from: the never-back guard holds within one clock only. */
let last = -Infinity;
let lastSource: unknown;

/**
 * Milliseconds on the wall-clock scale that only move forward: `performance.timeOrigin` (the wall clock
 * when this page, worker or process started) plus `performance.now()` (monotonic since). Every deadline,
 * backoff and age of the outbox uses it, and `enqueuedAt` is stored in it, so ages stay right within a
 * context whatever `Date.now()` does, and across reloads they are as right as the wall clock was when the
 * next context started (a clock set back meanwhile makes them 0, never negative). Where there is no
 * `performance` clock, `Date.now()` held so it never goes back.
 *
 * `globalThis.performance` is read at every call, not once at load, so fake timers installed later
 * (`vi.useFakeTimers()`, `@sinonjs/fake-timers` faking `performance`) move the outbox's deadlines; their
 * `setSystemTime` moves `Date.now()` only, and so changes nothing here, as a real wall-clock jump.
 * Installing or removing fake timers swaps the clock: readings may jump then (either way), never within one.
 */
export function monotonicNow(): number {
  const perf = (globalThis as { performance?: Partial<MonotonicSource> }).performance;
  const source = perf !== undefined && typeof perf.now === 'function' && typeof perf.timeOrigin === 'number' ? perf : Date;
  const now = source === Date ? Date.now() : (source as MonotonicSource).timeOrigin + (source as MonotonicSource).now();
  if (source !== lastSource) {
    // another clock (fake timers installed or removed): its own scale, so the guard starts again
    lastSource = source;
    last = now;
    return now;
  }
  last = Math.max(last, now);
  return last;
}

/** Age in ms of a moment of {@link monotonicNow} (possibly from an earlier context): never negative. */
export function ageOf(at: number, now = monotonicNow()): number {
  return Math.max(0, now - at);
}
