/**
 * An outbox whose target fails on command: the real `Outbox` on an in-memory store, relaying to a
 * {@link FakeTarget} that accepts, refuses (with the error you choose) or hangs until told otherwise.
 * Backoff without jitter by default, so retries happen at known times under fake timers.
 * @module
 */
import { ConnectionFailedError } from '../core/errors.js';
import type { PublishOptions, Publisher } from '../core/interfaces.js';
import type { Headers } from '../core/message.js';
import type { AnyTopics, TopicMap } from '../core/topics.js';
import { TAP, type Tappable, type Taps } from '../core/wiretap.js';
// the public entry, not its files: the outbox's internal layout may move
import { createOutbox, memoryStore, type Outbox, type OutboxOptions } from '../outbox/index.js';
import { TapSource } from './emit.js';

/** A message the target accepted. */
export interface DeliveredToTarget {
  readonly subject: string;
  readonly payload: unknown;
  readonly id: string | undefined;
  readonly headers: Headers | undefined;
}

type Mode = { kind: 'accept' } | { kind: 'fail'; error: () => unknown; remaining: number } | { kind: 'hang' };

/** A Publisher for an outbox to relay to, whose answers the test decides. Starts accepting. */
export class FakeTarget implements Publisher, Tappable {
  readonly #source = new TapSource('outbox-target');
  readonly #received: DeliveredToTarget[] = [];
  readonly #hung = new Set<() => void>();
  #mode: Mode = { kind: 'accept' };
  #attempts = 0;

  get [TAP](): Taps {
    return this.#source.taps;
  }

  /** Everything accepted, in order (a resend of an id appears again: the outbox is at-least-once). */
  get received(): readonly DeliveredToTarget[] {
    return this.#received;
  }

  /** Every publish call, accepted or not. */
  get attempts(): number {
    return this.#attempts;
  }

  /**
   * Refuses every publish from now on (or the next `times` ones) with `error` (default: a retryable
   * `connection_failed`). A function makes a fresh error per attempt.
   */
  fail(error: unknown | (() => unknown) = () => new ConnectionFailedError('fake-target', 'the fake target was told to fail'), times = Infinity): void {
    const make = typeof error === 'function' ? (error as () => unknown) : () => error;
    this.#mode = { kind: 'fail', error: make, remaining: times };
  }

  /** Publishes never settle until {@link accept} (the relay's `requestTimeoutMs` then counts them failed). */
  hang(): void {
    this.#mode = { kind: 'hang' };
  }

  /** Accepts again; hung publishes are accepted now. */
  accept(): void {
    this.#mode = { kind: 'accept' };
    for (const release of this.#hung) release();
    this.#hung.clear();
  }

  publish(subject: string, payload: unknown, options?: PublishOptions): Promise<void> {
    this.#attempts++;
    const mode = this.#mode;
    if (mode.kind === 'fail') {
      if (--mode.remaining <= 0) this.#mode = { kind: 'accept' };
      const error = mode.error();
      this.#source.emit('failed', { subject, id: options?.id, payload, headers: options?.headers, error });
      return Promise.reject(error);
    }
    if (mode.kind === 'hang') return new Promise((resolve) => this.#hung.add(() => resolve(this.#take(subject, payload, options))));
    return Promise.resolve(this.#take(subject, payload, options));
  }

  #take(subject: string, payload: unknown, options: PublishOptions | undefined): void {
    this.#received.push({ subject, payload, id: options?.id, headers: options?.headers });
    this.#source.emit('published', { subject, id: options?.id, payload, headers: options?.headers });
  }
}

/** A target for an outbox; see {@link FakeTarget}. */
export function createFakeTarget(): FakeTarget {
  return new FakeTarget();
}

/** What {@link createFakeOutbox} returns: the real outbox and the target it relays to. */
export interface FakeOutbox<M extends TopicMap = AnyTopics> {
  readonly outbox: Outbox<M>;
  readonly target: FakeTarget;
}

let outboxes = 0;

/**
 * The real outbox on `memoryStore()`, relaying to a fresh {@link FakeTarget} (or `options.target`), with
 * a jitter-free backoff (200 ms doubling to 30 s) and its own lock name. Close `outbox` when done.
 */
export function createFakeOutbox<M extends TopicMap = AnyTopics>(options: OutboxOptions & { target?: FakeTarget } = {}): FakeOutbox<M> {
  const target = options.target ?? new FakeTarget();
  const store = options.store ?? memoryStore();
  const outbox = createOutbox<M>({
    lockName: `isoflux-testing-outbox-${++outboxes}-${store.name}`,
    ...options,
    store,
    target,
    relay: { backoff: (attempt) => Math.min(30_000, 200 * 2 ** (attempt - 1)), ...options.relay },
  });
  return { outbox, target };
}
