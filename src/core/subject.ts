/**
 * Subjects in NATS syntax: tokens separated by `.`; in patterns, `*` matches exactly one token and `>` (last
 * token only) matches one or more tokens.
 * @module
 */
import { InvalidArgumentError, InvalidSubjectError } from './errors.js';

const WHITESPACE = /\s/;

/**
 * Checks a subject or pattern and throws {@link InvalidSubjectError} saying what is wrong.
 * With `wildcards: false` (publishing) `*` and `>` are rejected: a message goes to one literal subject.
 */
export function assertSubject(subject: string, options: { wildcards: boolean }): void {
  if (typeof subject !== 'string') throw new InvalidSubjectError(String(subject), 'a subject must be a string');
  if (subject.length === 0) throw new InvalidSubjectError(subject, 'a subject must not be empty');
  if (WHITESPACE.test(subject)) throw new InvalidSubjectError(subject, 'a subject must not contain whitespace');
  let start = 0;
  for (;;) {
    const dot = subject.indexOf('.', start);
    const end = dot === -1 ? subject.length : dot;
    const token = subject.slice(start, end);
    if (token.length === 0) throw new InvalidSubjectError(subject, 'empty token (a leading, trailing or doubled `.`)');
    if (token === '*' || token === '>') {
      if (!options.wildcards) throw new InvalidSubjectError(subject, 'wildcards `*` and `>` are for subscribing; publish to a literal subject');
      if (token === '>' && dot !== -1) throw new InvalidSubjectError(subject, '`>` may only be the last token');
    } else if (token.includes('*') || token.includes('>')) {
      throw new InvalidSubjectError(subject, `token ${JSON.stringify(token)} mixes a wildcard with other characters; a wildcard must be a whole token`);
    }
    if (dot === -1) return;
    start = dot + 1;
  }
}

/** Checks a queue-group name: a non-empty string without whitespace. Throws {@link InvalidArgumentError}. */
export function assertQueueName(queue: unknown): asserts queue is string {
  if (typeof queue !== 'string' || queue.length === 0 || WHITESPACE.test(queue)) {
    throw new InvalidArgumentError(`queue must be a non-empty string without whitespace, got ${JSON.stringify(queue)}`);
  }
}

/** True when `subject` is a valid literal (publishable) subject. */
export function isValidSubject(subject: string): boolean {
  try {
    assertSubject(subject, { wildcards: false });
    return true;
  } catch {
    return false;
  }
}

/** True when the pattern contains `*` or `>`. Assumes a valid pattern. */
export function hasWildcard(pattern: string): boolean {
  return pattern === '*' || pattern === '>' || pattern.startsWith('*.') || pattern.endsWith('.>') || pattern.endsWith('.*') || pattern.includes('.*.');
}

/** True when the literal `subject` matches `pattern`. Both are assumed valid. */
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
