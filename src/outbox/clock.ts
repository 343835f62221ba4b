/**
 * The outbox's clock: monotonic, so moving the wall clock (by hand, NTP, a time zone bug) never stalls a
 * backoff or ages an entry.
 * @module
 */

interface PerformanceClock {
  readonly now: () => number;
  readonly timeOrigin: number;
}

/** The last reading, and the `performance` it came from: the never-back guard holds within one clock only. */
let last = -Infinity;
let lastClock: PerformanceClock | undefined;

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
  const perf = (globalThis as { performance?: Partial<PerformanceClock> }).performance;
  const clock = typeof perf?.now === 'function' && typeof perf.timeOrigin === 'number' ? (perf as PerformanceClock) : undefined;
  if (clock !== lastClock) {
    // another clock (fake timers installed or removed): its own scale, so the guard starts again
    lastClock = clock;
    last = -Infinity;
  }
  last = Math.max(last, clock === undefined ? Date.now() : clock.timeOrigin + clock.now());
  return last;
}

/** Age in ms of a moment of {@link monotonicNow} (possibly from an earlier context): never negative. */
export function ageOf(at: number, now = monotonicNow()): number {
  return Math.max(0, now - at);
}
