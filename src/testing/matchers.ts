/**
 * Matchers for Vitest and Jest: `expect.extend(isofluxMatchers)`, then
 * `expect(recording).toHavePublished('orders.created', { id: 'o-1' })`. The type augmentation is one
 * declaration in your setup file (see {@link IsofluxMatchers}).
 * @module
 */
import type { TapKind } from '../core/wiretap.js';
import { matchesPayload, type PayloadMatch } from './match.js';
import { Recording } from './recorder.js';

/** What a matcher returns to Vitest / Jest. */
export interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/** The part of the matcher context these matchers read (Vitest and Jest both pass it as `this`). */
export interface MatcherContext {
  readonly isNot?: boolean;
}

/**
 * The matchers' types. Augment your test framework once (a `.d.ts` or the setup file):
 *
 * ```ts
 * import type { IsofluxMatchers } from 'isoflux/testing';
 * declare module 'vitest' {
 *   interface Matchers<T = any> extends IsofluxMatchers<T> {}
 * }
 * // Jest: declare global { namespace jest { interface Matchers<R> extends IsofluxMatchers<R> {} } }
 * ```
 */
export interface IsofluxMatchers<R = unknown> {
  /** The recording saw a publish on a subject matching `pattern`, with a payload matching `payload` (partial or predicate). */
  toHavePublished<T = unknown>(pattern: string, payload?: PayloadMatch<T>): R;
  /** The recording saw a delivery to a subscriber on a subject matching `pattern` (payload partial or predicate). */
  toHaveDelivered<T = unknown>(pattern: string, payload?: PayloadMatch<T>): R;
  /** The recording saw `count` publishes on subjects matching `pattern`. */
  toHavePublishedTimes(pattern: string, count: number): R;
}

function show(value: unknown): string {
  if (typeof value === 'function') return `a payload accepted by ${value.name || 'the predicate'}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function recordingOf(received: unknown, matcher: string): Recording {
  if (received instanceof Recording) return received;
  throw new TypeError(`${matcher} expects a Recording (record(bus)), got ${show(received)}`);
}

function seen(recording: Recording, kind: TapKind, pattern: string, match: PayloadMatch | undefined, verb: string, isNot: boolean | undefined): MatcherResult {
  const candidates = recording.select([kind], pattern);
  const pass = candidates.some((event) => matchesPayload(event.payload, match));
  const what = `${verb} on ${JSON.stringify(pattern)}${match === undefined ? '' : ` with ${show(match)}`}`;
  const list =
    candidates.length === 0
      ? `nothing on that subject (${recording.select([kind]).length} ${verb} in all)`
      : candidates
          .slice(0, 10)
          .map((e) => `${e.subject} ${show(e.payload)}`)
          .join('\n  ');
  return { pass, message: () => (isNot ? `expected no message ${what}, but one was` : `expected a message ${what}; saw:\n  ${list}`) };
}

/** The matchers, for `expect.extend(isofluxMatchers)`. */
export const isofluxMatchers = {
  toHavePublished(this: MatcherContext, received: unknown, pattern: string, payload?: PayloadMatch): MatcherResult {
    return seen(recordingOf(received, 'toHavePublished'), 'published', pattern, payload, 'published', this.isNot);
  },
  toHaveDelivered(this: MatcherContext, received: unknown, pattern: string, payload?: PayloadMatch): MatcherResult {
    return seen(recordingOf(received, 'toHaveDelivered'), 'delivered', pattern, payload, 'delivered', this.isNot);
  },
  toHavePublishedTimes(this: MatcherContext, received: unknown, pattern: string, count: number): MatcherResult {
    const actual = recordingOf(received, 'toHavePublishedTimes').select(['published'], pattern).length;
    return { pass: actual === count, message: () => `expected ${this.isNot ? 'not ' : ''}${count} publishes on ${JSON.stringify(pattern)}, saw ${actual}` };
  },
};
