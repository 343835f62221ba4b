/**
 * The outbox's clock: monotonic, so moving the wall clock (by hand, NTP, a time zone bug) never stalls a
 * backoff or ages an entry.
 * @module
 */

const perf = (globalThis as { performance?: { now?: () => number; timeOrigin?: number } }).performance;
const origin = typeof perf?.timeOrigin === 'number' && typeof perf.now === 'function' ? perf.timeOrigin : undefined;
let last = -Infinity;

/**
 * Milliseconds on the wall-clock scale that only move forward: `performance.timeOrigin` (the wall clock
 * when this page, worker or process started) plus `performance.now()` (monotonic since). Every deadline,
 * backoff and age of the outbox uses it, and `enqueuedAt` is stored in it, so ages stay right within a
 * context whatever `Date.now()` does, and across reloads they are as right as the wall clock was when the
 * next context started (a clock set back meanwhile makes them 0, never negative). Where there is no
 * `performance` clock, `Date.now()` held so it never goes back.
 */
export function monotonicNow(): number {
  const now = origin !== undefined ? origin + (perf as { now: () => number }).now() : Date.now();
  last = Math.max(last, now);
  return last;
}

/** Age in ms of a moment of {@link monotonicNow} (possibly from an earlier context): never negative. */
export function ageOf(at: number, now = monotonicNow()): number {
  return Math.max(0, now - at);
}
