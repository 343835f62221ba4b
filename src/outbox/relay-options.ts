/**
 * What the relay is told (options) and what it tells (counters, last errors).
 * @module
 */
import { InvalidArgumentError, isIsofluxError } from '../core/errors.js';
import { renamedWaitMs } from '../core/renamed-option.js';
import type { Backoff } from '../middleware/backoff.js';
import { monotonicNow } from './clock.js';

/** Options of the relay. */
export interface RelayOptions {
  /** Keys delivered at the same time (default 64). Entries of one key always go one after another. */
  concurrency?: number;
  /**
   * Failed attempts after which an entry is dead-lettered with reason `max_attempts` (default 50: with the
   * default backoff about 16 minutes of failing without a break; time paused or offline does not count, and
   * `resume()` skips the wait, not the count). `Infinity` retries until delivered.
   */
  maxAttempts?: number;
  /** Age (since enqueue) after which an entry is dead-lettered instead of sent (default unlimited). */
  maxAgeMs?: number;
  /**
   * Wait before retrying after failed attempt n (default exponential from 200 ms to 30 s, 50 % jitter). Timed
   * on a monotonic clock: moving the wall clock does not stretch or cut it.
   */
  backoff?: Backoff;
  /**
   * A publish to the target that has not settled after this long counts as failed and is retried (default
   * 15 000 ms; a positive, finite number).
   */
  requestTimeoutMs?: number;
  /**
   * @deprecated Renamed {@link RelayOptions.requestTimeoutMs} (one name for every request-like wait); accepted
   * until the next major version. Giving both with different values is `invalid_argument`.
   */
  publishTimeoutMs?: number;
  /**
   * False for errors retrying cannot fix: the entry is dead-lettered at once with reason `rejected`, keeping
   * the error's code and message (default `isRetryableDeliveryError`: bad subject or payload, JetStream
   * 10054 over `max_msg_size`, no stream for the subject, other 4xx).
   */
  isRetryable?: (error: unknown) => boolean;
  /**
   * A `no_responders` rejection is retried (with the backoff) until the entry has met it for this long, then
   * dead-lettered (default 30 000 ms; 0: at once). JetStream answers a publish during a stream-leader
   * election (seconds) exactly as it answers one no stream captures, so "at once" would dead-letter
   * messages of a healthy cluster.
   */
  noRespondersGraceMs?: number;
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
  /** When (the outbox's monotonic clock, on the wall-clock scale). */
  readonly at: number;
}

/** The `code` of an isoflux error (what dead letters keep as `errorCode` and tap events as `reason`). */
export function errorCodeOf(error: unknown): string | undefined {
  return isIsofluxError(error) ? error.code : undefined;
}

/** `error` as a {@link RelayError} on `subject`, now. */
export function relayError(error: unknown, subject: string): RelayError {
  return { message: error instanceof Error ? error.message : String(error), code: errorCodeOf(error), subject, at: monotonicNow() };
}

/** Counters of a relay since it started. */
export interface RelayCounters {
  readonly delivered: number;
  readonly retried: number;
  readonly deadLettered: number;
  readonly inFlight: number;
  readonly lastError: RelayError | undefined;
  /** The last store failure (a full quota above all): attempts are still counted in memory meanwhile. */
  readonly lastStorageError: RelayError | undefined;
}

/** `value` when it is a positive number (0 too for `noRespondersGraceMs`), else `invalid_argument`. */
export function positive(name: string, value: number): number {
  if (name === 'noRespondersGraceMs' && value === 0) return 0;
  if (!(value > 0)) throw new InvalidArgumentError(`${name} must be a positive number, got ${String(value)}`, name);
  return value;
}

/** The default of {@link RelayOptions.requestTimeoutMs}. */
const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** `requestTimeoutMs`, or its deprecated name `publishTimeoutMs`, checked; else the default. */
export function relayRequestTimeoutMs(options: RelayOptions): number {
  return renamedWaitMs('requestTimeoutMs', options.requestTimeoutMs, 'publishTimeoutMs', options.publishTimeoutMs) ?? DEFAULT_REQUEST_TIMEOUT_MS;
}
