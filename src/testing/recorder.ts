/**
 * The recorder: everything a bus does, kept in order, through the wiretap (`tap`). Read the messages,
 * wait for one, or check that nothing was dropped.
 * @module
 */
import { AbortedError, DroppedError, TimeoutError } from '../core/errors.js';
import { tap, type TapEvent, type TapKind, type Tappable } from '../core/wiretap.js';
import { matchesPayload, subjectMatches, type PayloadMatch } from './match.js';

/** Options of {@link record}. */
export interface RecordOptions {
  /** Most events kept; the oldest go first (default 10 000). */
  limit?: number;
}

/** Options of {@link Recording.waitFor}. */
export interface WaitForOptions {
  /** Give up after this long with `timeout` (default 5000 ms; timed by `setTimeout`, so fake timers drive it). */
  timeoutMs?: number;
  /** Which events count (default `published` and `delivered`). */
  kinds?: readonly TapKind[];
  /** Give up when this aborts, with `aborted`. */
  signal?: AbortSignal;
  /** Only events from this position of {@link Recording.total} on (default 0: already recorded ones count). */
  after?: number;
}

/** A message as the recorder saw it. */
export interface RecordedMessage<T = unknown> {
  readonly subject: string;
  readonly payload: T;
  readonly id: string | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** The transport that reported it. */
  readonly system: string;
  readonly at: number;
}

const DEFAULT_KINDS: readonly TapKind[] = ['published', 'delivered'];
const DEFAULT_TIMEOUT_MS = 5000;

interface Waiter {
  readonly test: (event: TapEvent) => boolean;
  readonly resolve: (event: TapEvent) => void;
}

/** What {@link record} returns: the events so far, and ways to wait for more. Stop it with `stop()` or `using`. */
export class Recording implements Disposable {
  readonly #events: TapEvent[] = [];
  /** Events dropped from the front by `limit` or `clear()`: position of `#events[0]` in {@link total}. */
  #first = 0;
  readonly #limit: number;
  readonly #waiters = new Set<Waiter>();
  readonly #stops: Array<() => void>;

  constructor(buses: readonly Tappable[], options: RecordOptions = {}) {
    this.#limit = options.limit ?? 10_000;
    this.#stops = buses.map((bus) => tap(bus, (event) => this.#add(event)));
  }

  #add(event: TapEvent): void {
    this.#events.push(event);
    if (this.#events.length > this.#limit) {
      this.#events.shift();
      this.#first++;
    }
    for (const waiter of this.#waiters) {
      if (!waiter.test(event)) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(event);
    }
  }

  /** Every event recorded, oldest first. */
  get events(): readonly TapEvent[] {
    return this.#events;
  }

  /** How many events were recorded so far (forgotten ones included): a position for `since` and `after`. */
  get total(): number {
    return this.#first + this.#events.length;
  }

  /** The events recorded from position `position` of {@link total} on (those still kept). */
  since(position: number): TapEvent[] {
    return this.#events.slice(Math.max(0, position - this.#first));
  }

  /** Events of these kinds, on subjects matching `pattern` (default every subject). */
  select(kinds: readonly TapKind[], pattern = '>'): TapEvent[] {
    return this.#events.filter((e) => kinds.includes(e.kind) && subjectMatches(pattern, e.subject));
  }

  /** The messages published, on subjects matching `pattern` (wildcards allowed; default all). */
  published<T = unknown>(pattern = '>'): Array<RecordedMessage<T>> {
    return this.select(['published'], pattern).map((e) => toMessage<T>(e));
  }

  /** The messages handed to subscribers (one entry per subscriber), on subjects matching `pattern`. */
  delivered<T = unknown>(pattern = '>'): Array<RecordedMessage<T>> {
    return this.select(['delivered'], pattern).map((e) => toMessage<T>(e));
  }

  /** The drops (overflow, closed, disconnected …), with their reason. */
  get drops(): TapEvent[] {
    return this.select(['dropped']);
  }

  /**
   * Resolves with the first event on a subject matching `pattern` whose payload matches `match` (a partial
   * payload or a predicate) — one already recorded, or the next to come. Rejects with `timeout` after
   * `timeoutMs`.
   */
  waitFor<T = unknown>(pattern: string, match?: PayloadMatch<T>, options: WaitForOptions = {}): Promise<TapEvent> {
    const kinds = options.kinds ?? DEFAULT_KINDS;
    const test = (e: TapEvent): boolean => kinds.includes(e.kind) && subjectMatches(pattern, e.subject) && matchesPayload(e.payload as T, match);
    const seen = this.since(options.after ?? 0).find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    const { timeoutMs = DEFAULT_TIMEOUT_MS, signal } = options;
    const what = `waitFor(${JSON.stringify(pattern)})`;
    if (signal?.aborted) return Promise.reject(new AbortedError(what, signal.reason));
    return new Promise<TapEvent>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter = { test, resolve: (event) => (finish(), resolve(event)) };
      const onAbort = (): void => (finish(), reject(new AbortedError(what, signal?.reason)));
      const timer = setTimeout(() => (finish(), reject(new TimeoutError(`${what}: no matching message (seen: ${this.#summary()})`, timeoutMs))), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** Throws `dropped` (a {@link DroppedError}) naming the first drop, when any message was dropped. */
  expectNoDrops(): void {
    const drop = this.drops[0];
    if (drop === undefined) return;
    const error = new DroppedError(drop.subject, drop.pattern ?? '', drop.reason ?? 'unknown');
    error.message = `${this.drops.length} message(s) dropped; the first on ${JSON.stringify(drop.subject)} by ${JSON.stringify(drop.pattern ?? '')} (${drop.reason ?? 'no reason'})`;
    throw error;
  }

  /** Forgets what was recorded (keeps recording). */
  clear(): void {
    this.#first += this.#events.length;
    this.#events.length = 0;
  }

  /** Stops recording; what was recorded stays readable. */
  stop(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }

  [Symbol.dispose](): void {
    this.stop();
  }

  #summary(): string {
    const subjects = [...new Set(this.#events.map((e) => `${e.kind} ${e.subject}`))];
    return subjects.length === 0 ? 'nothing' : subjects.slice(0, 10).join(', ') + (subjects.length > 10 ? ', …' : '');
  }
}

function toMessage<T>(event: TapEvent): RecordedMessage<T> {
  return { subject: event.subject, payload: event.payload as T, id: event.id, headers: event.headers, system: event.system, at: event.at };
}

/**
 * Records what `bus` (or several buses) does from now on.
 *
 * ```ts
 * using recording = record(bus);
 * await bus.publish('orders.created', { id: 'o-1' });
 * await recording.waitFor('orders.created', { id: 'o-1' });
 * recording.expectNoDrops();
 * ```
 */
export function record(bus: Tappable | readonly Tappable[], options?: RecordOptions): Recording {
  return new Recording(Array.isArray(bus) ? (bus as readonly Tappable[]) : [bus as Tappable], options);
}
