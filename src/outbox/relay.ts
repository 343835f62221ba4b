/**
 * The relay: delivers stored entries to a Publisher, removes them once acknowledged, retries with backoff,
 * keeps order per key and dead-letters what cannot be delivered.
 * @module
 */
import type { Telemetry } from '../core/telemetry.js';
import { InvalidArgumentError, TimeoutError, isIsofluxError } from '../core/errors.js';
import type { PublishOptions, Publisher } from '../core/interfaces.js';
import { exponentialBackoff, type Backoff } from '../middleware/backoff.js';
import { isRetryablePublishError } from '../middleware/retry-publish.js';
import { Lanes, type Lane } from './lanes.js';
import { Removals } from './removals.js';
import type { DeadLetterReason, OutboxStore, StoredEntry } from './store.js';

/** Options of the relay. */
export interface RelayOptions {
  /** Keys delivered at the same time (default 64). Entries of one key always go one after another. */
  concurrency?: number;
  /** Failed attempts after which an entry is dead-lettered (default unlimited: retried until delivered). */
  maxAttempts?: number;
  /** Age (since enqueue) after which an entry is dead-lettered instead of sent (default unlimited). */
  maxAgeMs?: number;
  /** Wait before retrying after failed attempt n (default exponential from 200 ms to 30 s, 50 % jitter). */
  backoff?: Backoff;
  /** A publish that has not settled after this long counts as failed and is retried (default 15 000 ms). */
  publishTimeoutMs?: number;
  /** False for errors retrying cannot fix: the entry is dead-lettered at once (default: bad subject/payload, closed …). */
  isRetryable?: (error: unknown) => boolean;
  /** Entries held in memory (default 2048); per key at most `window / 16`. */
  window?: number;
  /** How often the store is checked for entries nobody announced (default 2000 ms). */
  pollIntervalMs?: number;
}

/** The last delivery failure the relay saw. */
export interface RelayError {
  readonly message: string;
  readonly code: string | undefined;
  readonly subject: string;
  readonly at: number;
}

/** Counters of a relay since it started. */
export interface RelayCounters {
  readonly delivered: number;
  readonly retried: number;
  readonly deadLettered: number;
  readonly inFlight: number;
  readonly lastError: RelayError | undefined;
}

function positive(name: string, value: number): number {
  if (!(value > 0)) throw new InvalidArgumentError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

/**
 * Delivers the entries of `store` to `target`. Guarantees: an entry is removed only after `target.publish`
 * resolved for it (at-least-once; every attempt carries the entry's id, so JetStream keeps one copy); an entry
 * is not sent while an earlier entry of the same key is unacknowledged, and keys proceed independently.
 * Costs: one store read per window, removals batched into one write per round, one write per failure.
 */
export class Relay {
  readonly #store: OutboxStore;
  readonly #target: Publisher;
  readonly #onChange: () => void;
  readonly #concurrency: number;
  readonly #maxAttempts: number;
  readonly #maxAgeMs: number;
  readonly #backoff: Backoff;
  readonly #timeoutMs: number;
  readonly #isRetryable: (error: unknown) => boolean;
  readonly #window: number;
  readonly #laneWindow: number;
  readonly #pollMs: number;
  readonly #lanes: Lanes;
  readonly #removals: Removals;
  readonly #runs = new Set<Promise<void>>();
  #reads: Promise<unknown> = Promise.resolve();
  #watermark = -Infinity;
  #reading = false;
  #mayHaveMore = true;
  #changes = 0;
  /** Counts `resume()` calls, so a failure that lands after a resume does not wait out its backoff. */
  #resumes = 0;
  #busy = 0;
  #running = false;
  #paused = false;
  #pumpQueued = false;
  #wakeTimer: ReturnType<typeof setTimeout> | undefined;
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #unwatch: (() => void) | undefined;
  #delivered = 0;
  #retried = 0;
  #deadLettered = 0;
  readonly #telemetry: Telemetry | undefined;
  #inFlight = 0;
  #lastError: RelayError | undefined;

  constructor(store: OutboxStore, target: Publisher, options: RelayOptions, onChange: () => void, telemetry?: Telemetry) {
    this.#store = store;
    this.#telemetry = telemetry;
    this.#target = target;
    this.#onChange = onChange;
    this.#concurrency = positive('concurrency', options.concurrency ?? 64);
    this.#maxAttempts = positive('maxAttempts', options.maxAttempts ?? Infinity);
    this.#maxAgeMs = positive('maxAgeMs', options.maxAgeMs ?? Infinity);
    this.#backoff = options.backoff ?? exponentialBackoff({ initialMs: 200, maxMs: 30_000, jitter: 0.5 });
    this.#timeoutMs = positive('publishTimeoutMs', options.publishTimeoutMs ?? 15_000);
    this.#isRetryable = options.isRetryable ?? isRetryablePublishError;
    this.#window = positive('window', options.window ?? 2048);
    this.#pollMs = positive('pollIntervalMs', options.pollIntervalMs ?? 2000);
    this.#laneWindow = Math.max(1, Math.floor(this.#window / 16));
    this.#lanes = new Lanes(this.#laneWindow);
    this.#removals = new Removals(store, (error) => this.#noteError(error, ''), onChange);
  }

  /** Counters and the last error. */
  get counters(): RelayCounters {
    return { delivered: this.#delivered, retried: this.#retried, deadLettered: this.#deadLettered, inFlight: this.#inFlight, lastError: this.#lastError };
  }

  /** Starts delivering. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unwatch = this.#store.watch(() => this.#wake());
    this.#pollTimer = setInterval(() => this.#wake(), this.#pollMs);
    this.#wake();
  }

  /** Stops starting deliveries; in-flight ones finish (or time out) and their removals are written. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#unwatch?.();
    clearInterval(this.#pollTimer);
    clearTimeout(this.#wakeTimer);
    while (this.#runs.size > 0) await Promise.allSettled([...this.#runs]);
    await this.#removals.flush();
  }

  /** No new deliveries until {@link resume} (going offline). In-flight ones finish. */
  pause(): void {
    this.#paused = true;
  }

  /** Delivers again now, skipping every backoff wait (back online, or the connection came back). */
  resume(): void {
    this.#paused = false;
    this.#resumes++;
    this.#lanes.unblockAll();
    this.#wake();
  }

  /** Something may have been appended: read again and deliver. */
  #wake(): void {
    this.#mayHaveMore = true;
    this.#changes++;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (!this.#running || this.#paused) return;
    const now = Date.now();
    this.#fill(now);
    let wakeAt = Infinity;
    for (const lane of this.#lanes.values()) {
      if (this.#busy >= this.#concurrency) break;
      if (lane.busy || (lane.entries.length === 0 && !lane.truncated)) continue;
      if (lane.blockedUntil > now) {
        wakeAt = Math.min(wakeAt, lane.blockedUntil);
        continue;
      }
      this.#startRun(lane);
    }
    clearTimeout(this.#wakeTimer);
    if (wakeAt < Infinity) this.#wakeTimer = setTimeout(() => this.#schedule(), wakeAt - now);
  }

  /** Reads the next window of entries in store order when memory has room. */
  #fill(now: number): void {
    if (this.#reading || !this.#mayHaveMore) return;
    // Only worth a pass over the lanes when there is capacity that fresh keys could use.
    if (this.#lanes.loaded > this.#window / 2 && this.#busy < this.#concurrency) this.#lanes.shrinkBlocked(now);
    if (this.#lanes.loaded > this.#window / 2) return;
    const limit = this.#window - this.#lanes.loaded;
    const changes = this.#changes;
    this.#reading = true;
    this.#serialRead(async () => {
      const entries = await this.#store.read({ after: this.#watermark, limit });
      if (entries.length < limit && changes === this.#changes) this.#mayHaveMore = false;
      for (const entry of entries) this.#lanes.admit(entry);
      const last = entries[entries.length - 1];
      if (last !== undefined) this.#watermark = last.seq;
    })
      .catch((error: unknown) => {
        // The poll timer tries again: no tight loop against a broken store.
        this.#mayHaveMore = false;
        this.#noteError(error, '');
      })
      .finally(() => {
        this.#reading = false;
        this.#schedule();
      });
  }

  /** Store reads one at a time, so by-key reloads and in-order reads never interleave. */
  #serialRead(read: () => Promise<void>): Promise<void> {
    const done = this.#reads.then(read);
    this.#reads = done.catch(() => undefined);
    return done;
  }

  #startRun(lane: Lane): void {
    lane.busy = true;
    this.#busy++;
    const run = this.#run(lane).finally(() => {
      lane.busy = false;
      this.#busy--;
      this.#runs.delete(run);
      this.#lanes.release(lane);
      this.#schedule();
    });
    this.#runs.add(run);
  }

  /** Delivers a lane's entries one after another until it is empty, blocked, or the relay pauses. */
  async #run(lane: Lane): Promise<void> {
    while (this.#running && !this.#paused && lane.blockedUntil <= Date.now()) {
      const entry = lane.entries[0];
      if (entry === undefined) {
        if (!lane.truncated) return;
        await this.#serialRead(async () => {
          const entries = await this.#store.read({ after: lane.lastSeq, key: lane.key, limit: this.#laneWindow });
          this.#lanes.refill(lane, entries, this.#watermark);
        }).catch((error: unknown) => {
          this.#noteError(error, lane.key);
          lane.blockedUntil = Date.now() + this.#backoff(1);
        });
        continue;
      }
      await this.#deliver(lane, entry);
    }
  }

  async #deliver(lane: Lane, entry: StoredEntry): Promise<void> {
    if (Date.now() - entry.enqueuedAt > this.#maxAgeMs) {
      await this.#bury(lane, entry, 'max_age', undefined);
      return;
    }
    const resumes = this.#resumes;
    this.#inFlight++;
    try {
      await this.#publish(entry);
    } catch (error) {
      await this.#failed(lane, entry, error, resumes !== this.#resumes);
      return;
    } finally {
      this.#inFlight--;
    }
    this.#lanes.shift(lane);
    this.#delivered++;
    this.#removals.add(entry.seq);
  }

  /** `target.publish` with the entry's id, bounded by `publishTimeoutMs` even when the target ignores its signal. */
  async #publish(entry: StoredEntry): Promise<void> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new TimeoutError(`Relaying to ${JSON.stringify(entry.subject)}`, this.#timeoutMs);
        controller.abort(error);
        reject(error);
      }, this.#timeoutMs);
    });
    const options: PublishOptions = { id: entry.id, headers: entry.headers, signal: controller.signal };
    const sent = (async () => this.#target.publish(entry.subject, entry.payload, options))();
    sent.catch(() => undefined);
    try {
      await Promise.race([sent, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #failed(lane: Lane, entry: StoredEntry, error: unknown, resumedMeanwhile: boolean): Promise<void> {
    this.#noteError(error, entry.subject);
    const failed: StoredEntry = { ...entry, attempts: entry.attempts + 1, lastError: this.#lastError?.message };
    if (!this.#isRetryable(error)) return this.#bury(lane, failed, 'rejected', error);
    if (failed.attempts >= this.#maxAttempts) return this.#bury(lane, failed, 'max_attempts', error);
    lane.entries[0] = failed;
    lane.blockedUntil = resumedMeanwhile ? 0 : Date.now() + this.#backoff(failed.attempts);
    this.#retried++;
    this.#onChange();
    // Persisting the count lets maxAttempts work across reloads; losing one write only delays a dead letter.
    await this.#store.update([failed]).catch((e: unknown) => this.#noteError(e, entry.subject));
  }

  async #bury(lane: Lane, entry: StoredEntry, reason: DeadLetterReason, error: unknown): Promise<void> {
    try {
      await this.#store.deadLetter([{ ...entry, reason, errorCode: isIsofluxError(error) ? error.code : undefined, deadAt: Date.now() }]);
    } catch (storeError) {
      this.#noteError(storeError, entry.subject);
      lane.blockedUntil = Date.now() + this.#backoff(entry.attempts + 1);
      return;
    }
    this.#lanes.shift(lane);
    this.#deadLettered++;
    this.#telemetry?.deadLettered('outbox', entry.subject);
    this.#onChange();
  }

  #noteError(error: unknown, subject: string): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#lastError = { message, code: isIsofluxError(error) ? error.code : undefined, subject, at: Date.now() };
    this.#onChange();
  }
}
