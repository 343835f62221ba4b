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

/** Builds and hands over one event about `entry`; callers checked `taps.active`. */
function emit(taps: Taps, kind: TapKind, entry: OutboxRecord, at: number, durationMs: number, more?: Partial<TapEvent>): void {
  taps.emit({ kind, system: 'outbox', subject: entry.subject, id: entry.id, payload: entry.payload, headers: entry.headers, at, durationMs, ...more });
}

/** `error` with its isoflux `code` as `reason` (the code a dead letter keeps as `errorCode`). */
const failure = (error: unknown): Partial<TapEvent> => ({ error, reason: errorCodeOf(error) });

/** `published` when `stored` resolves (durationMs: enqueue until committed), `failed` with the store's error when it rejects. */
export function tapStored(taps: Taps, record: OutboxRecord, stored: Promise<void>): void {
  const settled = (kind: TapKind, more?: Partial<TapEvent>): void => {
    const at = monotonicNow();
    emit(taps, kind, record, at, at - record.enqueuedAt, more);
  };
  stored.then(
    () => settled('published'),
    (error: unknown) => settled('failed', failure(error)),
  );
}

/** `delivered`: the target acknowledged `entry` (durationMs: since enqueue; attempt: this one, 1 for the first). */
export function tapDelivered(taps: Taps, entry: StoredEntry): void {
  const at = monotonicNow();
  emit(taps, 'delivered', entry, at, ageOf(entry.enqueuedAt, at), { attempt: entry.attempts + 1 });
}

/** `failed`: the target refused attempt `entry.attempts + 1`, started at `startedAt` (durationMs: the attempt's own time). */
export function tapAttemptFailed(taps: Taps, entry: StoredEntry, error: unknown, startedAt: number): void {
  const at = monotonicNow();
  emit(taps, 'failed', entry, at, at - startedAt, { ...failure(error), attempt: entry.attempts + 1 });
}

/**
 * `dead-lettered`: `letter` is stored as a dead letter. The event carries what `deadLetters.list()` returns for
 * it: `reason` its reason, `at` its `deadAt`, `attempt` its `attempts`, `error` the error (`code` = `errorCode`).
 */
export function tapDeadLettered(taps: Taps, letter: DeadLetter, error: unknown): void {
  emit(taps, 'dead-lettered', letter, letter.deadAt, ageOf(letter.enqueuedAt, letter.deadAt), { reason: letter.reason, error, attempt: letter.attempts });
}
