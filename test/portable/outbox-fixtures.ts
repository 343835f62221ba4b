/** Targets and stores for the outbox tests: a scriptable Publisher and a store that counts its writes. */
import type { PublishOptions, Publisher } from '../../src/index.js';
import { afterEach } from 'vitest';
import { createOutbox, type Outbox, type OutboxOptions, type OutboxStore } from '../../src/outbox/index.js';
import { ageOf, monotonicNow } from '../../src/outbox/clock.js';
import { until } from './waits.js';

/** One call the target received. */
export interface Received {
  subject: string;
  payload: unknown;
  id: string | undefined;
  headers: PublishOptions['headers'];
}

/** What the target does with one call: resolve (deliver), throw, or wait for the test. */
export type Behaviour = (call: Received, attempt: number) => void | Promise<void>;

/** A Publisher that records every call and does what `behaviour` says; `acked` holds the successful calls. */
export class ScriptedTarget implements Publisher {
  readonly calls: Received[] = [];
  readonly acked: Received[] = [];
  /** Most calls that were pending at once. */
  maxConcurrent = 0;
  #pending = 0;
  readonly #attempts = new Map<string, number>();
  #waiters: Array<() => void> = [];

  constructor(public behaviour: Behaviour = () => undefined) {}

  async publish(subject: string, payload: unknown, options?: PublishOptions): Promise<void> {
    const call: Received = { subject, payload, id: options?.id, headers: options?.headers };
    this.calls.push(call);
    const attempt = (this.#attempts.get(call.id ?? '') ?? 0) + 1;
    this.#attempts.set(call.id ?? '', attempt);
    this.#pending++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.#pending);
    try {
      await this.behaviour(call, attempt);
      this.acked.push(call);
    } finally {
      this.#pending--;
      for (const w of this.#waiters.splice(0)) w();
    }
  }

  /** Waits until `predicate` holds after some call settled (or fails after `timeoutMs`, on the monotonic clock: tests move `Date.now`). */
  async until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`condition not met within ${timeoutMs} ms (${this.acked.length} acked, ${this.calls.length} calls)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.#waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }
}

/** A deferred promise a test settles by hand. */
export function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** `inner` with some methods replaced. */
export function wrapStore(inner: OutboxStore, overrides: Partial<OutboxStore>): OutboxStore {
  return {
    name: inner.name,
    append: (r) => inner.append(r),
    read: (q) => inner.read(q),
    update: (e) => inner.update(e),
    remove: (s) => inner.remove(s),
    deadLetter: (l) => inner.deadLetter(l),
    listDeadLetters: (l) => inner.listDeadLetters(l),
    retryDeadLetters: (s) => inner.retryDeadLetters(s),
    discardDeadLetters: (s) => inner.discardDeadLetters(s),
    stats: () => inner.stats(),
    watch: (l) => inner.watch(l),
    close: () => inner.close(),
    ...overrides,
  };
}

/** Wraps a store and counts the writes and reads the outbox makes. */
export function countingStore(inner: OutboxStore): OutboxStore & { counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const counted = <A extends unknown[], R>(name: string, call: (...args: A) => R) => (...args: A): R => {
    counts[name] = (counts[name] ?? 0) + 1;
    return call(...args);
  };
  return {
    ...wrapStore(inner, {
      append: counted('append', (r) => inner.append(r)),
      read: counted('read', (q) => inner.read(q)),
      update: counted('update', (e) => inner.update(e)),
      remove: counted('remove', (s) => inner.remove(s)),
      deadLetter: counted('deadLetter', (l) => inner.deadLetter(l)),
    }),
    counts,
  };
}

/** Backoff for tests: a few ms, so retries happen quickly but observably. */
export const fastBackoff = (): number => 5;

/** The outbox's own clock: what `maxAgeMs` and the duplicate window read an entry's age on. */
export const outboxNow = monotonicNow;

/** Resolves once more than `ms` passed since `at` ({@link outboxNow}): an entry enqueued before `at` is then older than `ms`. */
export async function agedPast(at: number, ms: number): Promise<void> {
  await until(() => ageOf(at) > ms, { timeoutMs: ms + 5000, what: `${ms} ms on the outbox clock` });
}

/**
 * An outbox factory for one describe block: each outbox on a fresh store from `makeStore` (unless the options
 * give one), fast backoff and polling, closed after each test.
 */
export function outboxesFor(makeStore: () => OutboxStore): (options?: OutboxOptions) => Outbox {
  const open: Outbox[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });
  return (options = {}) => {
    const o = createOutbox({ store: makeStore(), ...options, relay: { backoff: fastBackoff, pollIntervalMs: 50, ...options.relay } });
    open.push(o);
    return o;
  };
}
