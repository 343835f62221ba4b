/**
 * Subjects in nats-server's grammar: tokens separated by `.`; in patterns a token that is exactly `*` matches
 * one token and a last token that is exactly `>` matches one or more. A token that merely contains `*` or `>`
 * (`foo*`, `>bar`, `a>b`) is an ordinary literal, as on the server. The rules, read from nats-server's
 * `IsValidSubject` / `IsValidLiteralSubject` (pedantic publish) and nats-core's client check, and proven
 * against a real server by test/node/subject-differential.test.ts:
 * - both: not empty; no empty token; no space, tab, CR or LF (the protocol's separators: nats-core refuses
 *   them, and the server could not tell them from the next argument). Every other character, a form feed, NUL
 *   or any control character included, is an ordinary character, as on the server (`IsValidSubject` refuses a
 *   form feed, but nats-server never applies it to SUB or PUB: the sublist's insert only checks tokens).
 * - publish: no token that is exactly `*` or `>` (what a pedantic server refuses).
 * - subscribe: nothing after a `>` token.
 * - and (isoflux's own, the server cannot be asked): a well-formed Unicode string (a lone surrogate would
 *   reach the server as U+FFFD and alias another subject), within {@link SubjectLimits} (default: what fits
 *   nats-server's 4096-byte control line).
 * @module
 */
import { InvalidArgumentError, InvalidSubjectError } from './errors.js';

/** Bounds on a subject or pattern; both default to what nats-server's 4096-byte control line can carry. */
export interface SubjectLimits {
  /** Longest subject in UTF-8 bytes (default 4096). */
  readonly maxBytes?: number;
  /** Most tokens (default 2048, the most 4096 bytes can hold). */
  readonly maxTokens?: number;
}

/** The limits every transport applies unless it is given others. */
export const DEFAULT_SUBJECT_LIMITS: Readonly<Required<SubjectLimits>> = Object.freeze({ maxBytes: 4096, maxTokens: 2048 });

/** Options of {@link assertSubject}. */
export interface AssertSubjectOptions extends SubjectLimits {
  /** `true` for a subscription pattern (`*` and `>` are wildcards), `false` for a subject to publish to. */
  readonly wildcards: boolean;
  /**
   * Also refuse a form feed, as nats-server's `IsValidSubject` does where it applies it: JetStream stream
   * subjects and consumer filter subjects (a core SUB or PUB accepts one). Default `false`.
   */
  readonly formFeed?: false;
}

const DOT = 46;
const STAR = 42;
const GT = 62;

/** Space, tab, CR, LF: never in a subject (nats-core and the protocol's argument split refuse them). */
function isSeparator(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/** UTF-8 length of `s`, which is well formed (checked before). */
function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++; // a pair: 2 units, 4 bytes
    else if (c >= 0x800) bytes += 2;
    else if (c >= 0x80) bytes += 1;
  }
  return bytes;
}

/** Checks that limits, if given, are positive integers. */
function checkedLimit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * Checks a subject (`wildcards: false`, for publishing) or a pattern (`wildcards: true`, for subscribing) and
 * throws {@link InvalidSubjectError} (`invalid_subject`) saying what is wrong. One pass over the string.
 */
export function assertSubject(subject: string, options: AssertSubjectOptions): void {
  // String(subject) could throw (an object with a bad toString): describe it by its type only
  if (typeof subject !== 'string') throw new InvalidSubjectError(`<${subject === null ? 'null' : typeof subject}>`, `a subject must be a string, got ${subject === null ? 'null' : typeof subject}`);
  const n = subject.length;
  if (n === 0) throw new InvalidSubjectError(subject, 'a subject must not be empty');
  const maxBytes = checkedLimit(options.maxBytes, DEFAULT_SUBJECT_LIMITS.maxBytes, 'maxBytes');
  const maxTokens = checkedLimit(options.maxTokens, DEFAULT_SUBJECT_LIMITS.maxTokens, 'maxTokens');
  if (n > maxBytes) throw tooLong(subject, n, maxBytes);
  const wildcards = options.wildcards;
  let tokens = 1;
  let tokenStart = 0;
  let afterTail = false;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? DOT : subject.charCodeAt(i);
    if (c === DOT) {
      const length = i - tokenStart;
      if (length === 0) throw new InvalidSubjectError(subject, 'empty token (a leading, trailing or doubled `.`)');
      if (afterTail) throw new InvalidSubjectError(subject, '`>` may only be the last token');
      if (length === 1) {
        const t = subject.charCodeAt(tokenStart);
        if (t === STAR || t === GT) {
          if (!wildcards) throw new InvalidSubjectError(subject, 'wildcards `*` and `>` are for subscribing; publish to a literal subject');
          afterTail = t === GT;
        }
      }
      if (i < n && ++tokens > maxTokens) throw new InvalidSubjectError(subject, `more than ${maxTokens} tokens; raise maxTokens if you need more`);
      tokenStart = i + 1;
    } else if (isSeparator(c)) {
      throw new InvalidSubjectError(subject, 'a subject must not contain whitespace (space, tab, CR or LF)');
    } else if (c === 12 && options.formFeed === false) {
      throw new InvalidSubjectError(subject, 'a JetStream subject or filter must not contain a form feed (nats-server refuses it there)');
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? subject.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || next < 0xdc00 || next > 0xdfff) throw new InvalidSubjectError(subject, 'a subject must be well-formed Unicode (it has a lone surrogate)');
      i++;
    }
  }
  if (n * 3 > maxBytes) {
    const bytes = utf8Length(subject);
    if (bytes > maxBytes) throw tooLong(subject, bytes, maxBytes);
  }
}

function tooLong(subject: string, length: number, maxBytes: number): InvalidSubjectError {
  return new InvalidSubjectError(subject.slice(0, 64), `${length} bytes is longer than the limit of ${maxBytes} (nats-server's control line is 4096 bytes by default); use a shorter subject or raise maxBytes`);
}

/** Checks a queue-group name: a non-empty string without whitespace. Throws {@link InvalidArgumentError}. */
export function assertQueueName(queue: unknown): asserts queue is string {
  if (typeof queue !== 'string' || queue.length === 0 || /[ \t\r\n]/.test(queue)) {
    throw new InvalidArgumentError(`queue must be a non-empty string without space, tab, CR or LF, got ${JSON.stringify(queue)}`);
  }
}

/** True when `subject` is a valid literal (publishable) subject within the default limits. */
export function isValidSubject(subject: string): boolean {
  try {
    assertSubject(subject, { wildcards: false });
    return true;
  } catch {
    return false;
  }
}

/** True when `pattern` is a valid subscription pattern within the default limits. */
export function isValidPattern(pattern: string): boolean {
  try {
    assertSubject(pattern, { wildcards: true });
    return true;
  } catch {
    return false;
  }
}

/** True when the pattern has a token that is exactly `*` or `>`. Assumes a valid pattern. */
export function hasWildcard(pattern: string): boolean {
  return pattern === '*' || pattern === '>' || pattern.startsWith('*.') || pattern.endsWith('.>') || pattern.endsWith('.*') || pattern.includes('.*.');
}

/** True when the literal `subject` matches `pattern` (tokens `*` and `>` are wildcards). Both are assumed valid. */
export function matchSubject(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return p.length === s.length;
}
