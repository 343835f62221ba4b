/**
 * Partial payload matching, as `toMatchObject` does it: an expected object matches any object with at
 * least its keys (recursively); arrays match element by element with the same length; anything else by
 * `Object.is`. Plain data only, so the same rule works on both sides of `page.evaluate`.
 * @module
 */
import { matchSubject } from '../core/subject.js';

/** What a payload is checked against: a partial value, or a predicate. */
export type PayloadMatch<T = unknown> = ((payload: T) => boolean) | DeepPartial<T>;

/** `T` with every property optional, recursively (what a partial payload may leave out). */
export type DeepPartial<T> =
  T extends ReadonlyArray<infer E> ? ReadonlyArray<DeepPartial<E>> : T extends object ? { readonly [K in keyof T]?: DeepPartial<T[K]> } : T;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `actual` has everything `expected` has (see the module comment for the rule). */
export function matchesPartial(actual: unknown, expected: unknown): boolean {
  if (Object.is(actual, expected)) return true;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, i) => matchesPartial(actual[i], item));
  }
  if (isRecord(expected)) {
    if (!isRecord(actual)) return false;
    return Object.keys(expected).every((key) => key in actual && matchesPartial(actual[key], expected[key]));
  }
  return false;
}

/** True when `payload` satisfies `match` (no match given: always). */
export function matchesPayload<T>(payload: T, match: PayloadMatch<T> | undefined): boolean {
  if (match === undefined) return true;
  if (typeof match === 'function') return (match as (payload: T) => boolean)(payload);
  return matchesPartial(payload, match);
}

/** True when the literal `subject` matches `pattern` (NATS wildcards `*` and `>`). */
export function subjectMatches(pattern: string, subject: string): boolean {
  return matchSubject(pattern, subject);
}
