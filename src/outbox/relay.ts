/**
 * The relay: delivers stored entries to a Publisher, removes them once acknowledged, retries with backoff,
 * keeps order per key and dead-letters what cannot be delivered.
 * @module
 */
import type { Telemetry } from '../core/telemetry.js';
import { isIsofluxError } from '../core/errors.js';
import type { Publisher } from '../core/interfaces.js';
import { exponentialBackoff, type Backoff } from '../middleware/backoff.js';
import { errorCodeOf, positive, relayError, relayRequestTimeoutMs, type RelayCounters, type RelayError, type RelayOptions } from './relay-options.js';
import { isRetryableDeliveryError } from './classify.js';
import { ageOf, monotonicNow } from './clock.js';
import { Lanes, type Lane } from './lanes.js';
import type { Taps } from '../core/wiretap.js';
import { Removals } from './removals.js';
import { publishWithin } from './send.js';
import type { DeadLetter, DeadLetterReason, OutboxStore, StoredEntry } from './store.js';
import { tapAttemptFailed, tapDeadLettered, tapDelivered } from './taps.js';

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
  readonly #requestTimeoutMs: number;
  readonly #isRetryable: (error: unknown) => boolean;
  readonly #graceMs: number;
  /** When each entry first met `no_responders` (monotonic), for {@link RelayOptions.noRespondersGraceMs}. */
  readonly #noResponders = new Map<number, number>();
  /** Dead letters whose store write failed (full quota): written again instead of being sent again. */
  readonly #burials = new Map<number, { reason: DeadLetterReason; error: unknown }>();
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
  /** The outbox's wiretap (checked before any event is built), or none (the Service Worker relay). */
  readonly #taps: Taps | undefined;
  #inFlight = 0;
  #lastError: RelayError | undefined;
  #lastStorageError: RelayError | undefined;

  constructor(store: OutboxStore, target: Publisher, options: RelayOptions, onChange: () => void, telemetry?: Telemetry, taps?: Taps) {
    this.#store = store;
    this.#telemetry = telemetry;
    this.#taps = taps;
    this.#target = target;
    this.#onChange = onChange;
    this.#concurrency = positive('concurrency', options.concurrency ?? 64);
    this.#maxAttempts = positive('maxAttempts', options.maxAttempts ?? 50);
    this.#maxAgeMs = positive('maxAgeMs', options.maxAgeMs ?? Infinity);
    this.#backoff = options.backoff ?? exponentialBackoff({ initialMs: 200, maxMs: 30_000, jitter: 0.5 });
    this.#requestTimeoutMs = relayRequestTimeoutMs(options);
    this.#isRetryable = options.isRetryable ?? isRetryableDeliveryError;
    this.#graceMs = positive('noRespondersGraceMs', options.noRespondersGraceMs ?? 30_000);
    this.#window = positive('window', options.window ?? 2048);
    this.#pollMs = positive('pollIntervalMs', options.pollIntervalMs ?? 2000);
    this.#laneWindow = Math.max(1, Math.floor(this.#window / 16));
    this.#lanes = new Lanes(this.#laneWindow);
    this.#removals = new Removals(store, (error) => this.#noteStorageError(error, ''), onChange);
  }

  /** Counters and the last error. */
  get counters(): RelayCounters {
    return {
      delivered: this.#delivered,
      retried: this.#retried,
      deadLettered: this.#deadLettered,
      inFlight: this.#inFlight,
      lastError: this.#lastError,
      lastStorageError: this.#lastStorageError,
    };
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
    const now = monotonicNow();
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
        this.#noteStorageError(error, '');
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
    while (this.#running && !this.#paused && lane.blockedUntil <= monotonicNow()) {
      const entry = lane.entries[0];
      if (entry === undefined) {
        if (!lane.truncated) return;
        await this.#serialRead(async () => {
          const entries = await this.#store.read({ after: lane.lastSeq, key: lane.key, limit: this.#laneWindow });
          this.#lanes.refill(lane, entries, this.#watermark);
        }).catch((error: unknown) => {
          this.#noteStorageError(error, lane.key);
          lane.blockedUntil = monotonicNow() + this.#backoff(1);
        });
        continue;
      }
      await this.#deliver(lane, entry);
    }
  }

  async #deliver(lane: Lane, entry: StoredEntry): Promise<void> {
    const burial = this.#burials.get(entry.seq);
    if (burial !== undefined) return this.#bury(lane, entry, burial.reason, burial.error);
    if (ageOf(entry.enqueuedAt) > this.#maxAgeMs) return this.#bury(lane, entry, 'max_age', undefined);
    const resumes = this.#resumes;
    const startedAt = this.#taps?.active ? monotonicNow() : 0;
    this.#inFlight++;
    try {
      await this.#publish(entry);
    } catch (error) {
      if (this.#taps?.active) tapAttemptFailed(this.#taps, entry, error, startedAt);
      await this.#failed(lane, entry, error, resumes !== this.#resumes);
      return;
    } finally {
      this.#inFlight--;
    }
    this.#lanes.shift(lane);
    this.#noResponders.delete(entry.seq);
    this.#delivered++;
    this.#removals.add(entry.seq);
    if (this.#taps?.active) tapDelivered(this.#taps, entry);
  }

  /** `target.publish` with the entry's id, bounded by `requestTimeoutMs` even when the target ignores its signal. */
  #publish(entry: StoredEntry): Promise<void> {
    return publishWithin(this.#target, entry, this.#requestTimeoutMs);
  }

  async #failed(lane: Lane, entry: StoredEntry, error: unknown, resumedMeanwhile: boolean): Promise<void> {
    this.#noteError(error, entry.subject);
    const failed: StoredEntry = { ...entry, attempts: entry.attempts + 1, lastError: this.#lastError?.message };
    if (!this.#isRetryable(error) && !this.#inGrace(entry, error)) return this.#bury(lane, failed, 'rejected', error);
    if (failed.attempts >= this.#maxAttempts) return this.#bury(lane, failed, 'max_attempts', error);
    // counted in memory first: a store that cannot take the write (full quota) still reaches maxAttempts
    lane.entries[0] = failed;
    lane.blockedUntil = resumedMeanwhile ? 0 : monotonicNow() + this.#backoff(failed.attempts);
    this.#retried++;
    this.#onChange();
    // Persisting the count lets maxAttempts work across reloads; losing one write only delays a dead letter.
    await this.#store.update([failed]).catch((e: unknown) => this.#noteStorageError(e, entry.subject));
  }

  /** True while a `no_responders` rejection of `entry` is younger than the grace period (see the option). */
  #inGrace(entry: StoredEntry, error: unknown): boolean {
    if (!isIsofluxError(error, 'no_responders') || this.#graceMs === 0) return false;
    const now = monotonicNow();
    const first = this.#noResponders.get(entry.seq) ?? now;
    this.#noResponders.set(entry.seq, first);
    return now - first < this.#graceMs;
  }

  async #bury(lane: Lane, entry: StoredEntry, reason: DeadLetterReason, error: unknown): Promise<void> {
    const letter: DeadLetter = { ...entry, reason, errorCode: errorCodeOf(error), deadAt: monotonicNow() };
    try {
      await this.#store.deadLetter([letter]);
    } catch (storeError) {
      // not sent again: the next turn of this lane only tries the dead-letter write again
      this.#burials.set(entry.seq, { reason, error });
      lane.entries[0] = entry;
      this.#noteStorageError(storeError, entry.subject);
      lane.blockedUntil = monotonicNow() + this.#backoff(entry.attempts + 1);
      return;
    }
    this.#burials.delete(entry.seq);
    this.#noResponders.delete(entry.seq);
    this.#lanes.shift(lane);
    this.#deadLettered++;
    this.#telemetry?.deadLettered('outbox', entry.subject);
    if (this.#taps?.active) tapDeadLettered(this.#taps, letter, error);
    this.#onChange();
  }

  #noteError(error: unknown, subject: string): void {
    this.#lastError = relayError(error, subject);
    this.#onChange();
  }

  /** Store failures are kept apart, so a full quota does not hide the delivery error behind it. */
  #noteStorageError(error: unknown, subject: string): void {
    this.#lastStorageError = relayError(error, subject);
    this.#onChange();
  }
}
