/**
 * The observed send: a publish while telemetry records or the bus is tapped. Kept out of `publish` so the
 * unobserved path stays small.
 * @module
 */
import type { Headers } from '../core/message.js';
import { nextId } from '../core/id.js';
import type { PublishOptions } from '../core/interfaces.js';
import { publishWithTelemetry, type Telemetry } from '../core/telemetry.js';
import { tapClock, type Taps } from '../core/wiretap.js';
import type { Driver, SendOptions } from './driver.js';

/**
 * Sends through `driver` inside a producer span (when `telemetry` records) and reports `published` (with the
 * time until the send settled) or `failed` to `taps` (when active). The message gets its id here, so every
 * event about it carries the same one.
 */
export function sendObserved<P extends PublishOptions>(driver: Driver<P>, taps: Taps, telemetry: Telemetry | undefined, subject: string, payload: unknown, options: SendOptions<P> | undefined): Promise<void> {
  const traced = telemetry !== undefined && telemetry.enabled();
  const tapped = taps.active;
  // telemetry that does not record (no SDK registered) costs one enabled() call: no id, no record
  if (!traced && !tapped) return driver.send(subject, payload, options);
  const id = options?.id ?? nextId();
  const headers = options?.headers;
  // taken before the send: a synchronous delivery's events come after it
  const at = tapped ? tapClock() : 0;
  let sent: Promise<void>;
  try {
    sent = traced
      ? publishWithTelemetry(telemetry, { system: driver.name, subject, id }, headers, (h) => driver.send(subject, payload, withId(options, id, h)))
      : driver.send(subject, payload, withId(options, id, headers));
  } catch (error) {
    sent = Promise.reject(error);
  }
  if (tapped) watch(sent, new Sent(taps, driver.name, subject, id, payload, headers, at));
  return sent;
}

/** The options a driver is given: the caller's, with the id and the (possibly traced) headers. */
function withId<P extends PublishOptions>(options: SendOptions<P> | undefined, id: string, headers: Headers | undefined): SendOptions<P> {
  // without options (the usual publish) a two-field literal, not a spread
  return (options === undefined ? { id, headers } : { ...options, id, headers }) as SendOptions<P>;
}

/** A tapped send waiting to settle: what its `published` / `failed` event reports. */
class Sent {
  constructor(
    readonly taps: Taps,
    readonly system: string,
    readonly subject: string,
    readonly id: string,
    readonly payload: unknown,
    readonly headers: Headers | undefined,
    readonly at: number,
  ) {}

  /** Emits `published`: the send resolved. */
  published(): void {
    const at = this.at;
    this.taps.emit({ kind: 'published', system: this.system, subject: this.subject, id: this.id, payload: this.payload, headers: this.headers, at, durationMs: tapClock() - at });
  }

  /** Emits `failed`: the send rejected with `error`. */
  failed(error: unknown): void {
    const at = this.at;
    const reason = (error as { code?: string } | null)?.code;
    this.taps.emit({ kind: 'failed', system: this.system, subject: this.subject, id: this.id, payload: this.payload, headers: this.headers, at, error, reason, durationMs: tapClock() - at });
  }
}

/**
 * The tapped sends waiting on one promise, oldest first. Transports often hand back one shared promise (the
 * memory bus's resolved one), so one pair of handlers serves them all: each send still registers its own
 * reaction (the events keep their place among other microtasks), but without two closures per send. The
 * reactions of one promise run in the order they were registered, so each one reports the oldest send.
 */
class Waiting {
  readonly promise: Promise<void>;
  #queue: Array<Sent | undefined> = [];
  #head = 0;
  readonly #published = (): void => this.#next()?.published();
  readonly #failed = (error: unknown): void => this.#next()?.failed(error);

  constructor(promise: Promise<void>) {
    this.promise = promise;
  }

  add(record: Sent): void {
    this.#queue.push(record);
    this.promise.then(this.#published, this.#failed);
  }

  #next(): Sent | undefined {
    const record = this.#queue[this.#head];
    this.#queue[this.#head++] = undefined;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
      // drained: drop the promise, so nothing settled stays referenced until the next tapped send
      if (waiting === this) waiting = undefined;
    }
    return record;
  }
}

/** The promise the latest tapped send waited on, with its queue. */
let waiting: Waiting | undefined;

/** Reports `record` once its send (`sent`) settles. */
function watch(sent: Promise<void>, record: Sent): void {
  if (waiting === undefined || waiting.promise !== sent) waiting = new Waiting(sent);
  waiting.add(record);
}
