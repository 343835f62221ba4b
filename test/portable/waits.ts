/**
 * Waiting on what a test depends on instead of on the clock (scripts/count-sleeps.mjs counts what is left).
 * Portable: no `vi`, so Deno and workerd run these too.
 */

/** Options of {@link until}. */
export interface UntilOptions {
  /** Give up after this long (default 5000 ms): the failure names `what` and the last value seen. */
  timeoutMs?: number;
  /** Pause between checks (default 5 ms). */
  everyMs?: number;
  /** What is awaited, for the error. */
  what?: string;
}

/**
 * Resolves with the first truthy result of `check` (which may be async), re-checking until `timeoutMs`.
 * The fallback for state nothing announces (a server-side count, a table row); prefer an event when one exists.
 */
export async function until<T>(check: () => T | Promise<T>, options: UntilOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 5000, everyMs = 5, what = check.toString() } = options;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (!(last = await check())) {
    if (Date.now() >= deadline) throw new Error(`not within ${timeoutMs} ms: ${what} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return last as NonNullable<T>;
}

/** Lets every pending macrotask (timers at 0 ms, I/O callbacks, MessagePort messages) of this turn run. */
export const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** A promise with its resolver outside: a gate a handler awaits until the test opens it. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}
