/**
 * The outbox's wiretap events (`tap(outbox, listener)`): `published` once an entry is stored, `failed` for a
 * store that refused it or for a delivery attempt the target refused, `delivered` once the target
 * acknowledged, `dead-lettered` once the dead letter is stored. Callers check `taps.active` first: an untapped
 * outbox builds nothing.
 * @module
 */
import type { TapEvent, TapKind, Taps } from '../core/wiretap.js';
import { ageOf, monotonicNow } from './clock.js';
import { errorCodeOf } from './relay-options.js';
import type { DeadLetter, OutboxRecord, StoredEntry } from './store.js';

type Fields = Omit<TapEvent, 'system' | 'subject' | 'id' | 'payload' | 'headers' | 'at' | 'durationMs'>;

/** Hands over one event about `entry`, at `at`, with `durationMs` the time since `since`; callers checked `taps.active`. */
function emit(taps: Taps, entry: OutboxRecord, since: number, fields: Fields, at = monotonicNow()): void {
  taps.emit({ system: 'outbox', subject: entry.subject, id: entry.id, payload: entry.payload, headers: entry.headers, ...fields, at, durationMs: ageOf(since, at) });
}

/** `published` when `stored` resolves (durationMs: enqueue until committed), `failed` with the store's error when it rejects. */
export function tapStored(taps: Taps, record: OutboxRecord, stored: Promise<void>): void {
  const settled = (kind: TapKind, error?: unknown): void => emit(taps, record, record.enqueuedAt, { kind, error, reason: errorCodeOf(error) });
  stored.then(
    () => settled('published'),
    (error: unknown) => settled('failed', error),
  );
}

/** `delivered`: the target acknowledged `entry` (durationMs: since enqueue; attempt: this one, 1 for the first). */
export function tapDelivered(taps: Taps, entry: StoredEntry): void {
  emit(taps, entry, entry.enqueuedAt, { kind: 'delivered', attempt: entry.attempts + 1 });
}

/** `failed`: the target refused attempt `entry.attempts + 1`, started at `startedAt` (durationMs: the attempt's own time). */
export function tapAttemptFailed(taps: Taps, entry: StoredEntry, error: unknown, startedAt: number): void {
  emit(taps, entry, startedAt, { kind: 'failed', attempt: entry.attempts + 1, error, reason: errorCodeOf(error) });
}

/**
 * `dead-lettered`: `letter` is stored as a dead letter. The event carries what `deadLetters.list()` returns for
 * it: `reason` its reason, `at` its `deadAt`, `attempt` its `attempts`, `error` the error (`code` = `errorCode`).
 */
export function tapDeadLettered(taps: Taps, letter: DeadLetter, error: unknown): void {
  emit(taps, letter, letter.enqueuedAt, { kind: 'dead-lettered', reason: letter.reason, error, attempt: letter.attempts }, letter.deadAt);
}
