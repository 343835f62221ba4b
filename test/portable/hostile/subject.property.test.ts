/**
 * Property-based tests of the subject parser and matcher (fast-check): thousands of generated strings per run,
 * each either accepted or refused with `invalid_subject` (never another throw), accepted exactly when a plain
 * reference reading of nats-server's grammar accepts it, and matched exactly as a naive token matcher says.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertSubject, isValidPattern, isValidSubject, matchSubject } from '../../../src/index.js';
import { SubjectTrie } from '../../../src/transport/index.js';

const RUNS = 3000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The grammar read straight from nats-server's sublist.go and nats-core's client check, written naively. */
function referenceValid(s: string, wildcards: boolean): boolean {
  if (s.length === 0 || /[ \t\r\n]/.test(s) || LONE_SURROGATE.test(s)) return false;
  if (new TextEncoder().encode(s).length > 4096) return false;
  const tokens = s.split('.');
  if (tokens.length > 2048 || tokens.some((t) => t === '')) return false;
  if (!wildcards) return !tokens.some((t) => t === '*' || t === '>');
  return tokens.every((t, i) => t !== '>' || i === tokens.length - 1);
}

/** Does `pattern` receive `subject`, token by token, recursively: the textbook definition. */
function referenceMatch(pattern: string[], subject: string[]): boolean {
  if (pattern.length === 0) return subject.length === 0;
  const [p, ...rest] = pattern;
  if (p === '>') return subject.length > 0;
  if (subject.length === 0) return false;
  return (p === '*' || p === subject[0]) && referenceMatch(rest, subject.slice(1));
}

/** Strings from the characters the grammar cares about, plus any unicode now and then. */
const hostileString = fc.oneof(
  fc.array(fc.constantFrom('a', 'b', '*', '>', '.', ' ', '\t', '\r', '\n', '\f', '\v', '\u0000', 'é', '😀', '\uD800', '\uDC00', '-'), { maxLength: 12 }).map((c) => c.join('')),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ maxLength: 5000, unit: fc.constantFrom('a', '.', 'é') }),
);

/** Well-formed literal subjects and patterns over a small alphabet, so that matches are frequent. */
const token = fc.constantFrom('a', 'b', 'c', 'a*', '>b');
const subject = fc.array(token, { minLength: 1, maxLength: 5 });
const pattern = fc.array(fc.oneof(token, fc.constant('*')), { minLength: 1, maxLength: 5 }).chain((t) => fc.boolean().map((tail) => (tail ? [...t, '>'] : t)));

describe('subjects (property-based)', () => {
  it('every string is accepted or refused with invalid_subject, exactly as the reference grammar says', () => {
    fc.assert(
      fc.property(hostileString, fc.boolean(), (s, wildcards) => {
        let accepted: boolean;
        try {
          assertSubject(s, { wildcards });
          accepted = true;
        } catch (error) {
          expect(error).toMatchObject({ code: 'invalid_subject', name: 'InvalidSubjectError' });
          accepted = false;
        }
        expect(accepted).toBe(referenceValid(s, wildcards));
        expect(wildcards ? isValidPattern(s) : isValidSubject(s)).toBe(accepted);
      }),
      { numRuns: RUNS },
    );
  });

  it('anything that is not a string is refused with invalid_subject', () => {
    fc.assert(
      fc.property(fc.anything().filter((v) => typeof v !== 'string'), (v) => {
        expect(() => assertSubject(v as string, { wildcards: true })).toThrow(expect.objectContaining({ code: 'invalid_subject' }));
      }),
      { numRuns: 500 },
    );
  });

  it('matchSubject and SubjectTrie agree with the textbook matcher', () => {
    fc.assert(
      fc.property(fc.uniqueArray(pattern.map((t) => t.join('.')), { minLength: 1, maxLength: 12 }), fc.array(subject.map((t) => t.join('.')), { minLength: 1, maxLength: 12 }), (patterns, subjects) => {
        const trie = new SubjectTrie<string>();
        for (const p of patterns) trie.insert(p, p);
        for (const s of subjects) {
          const expected = patterns.filter((p) => referenceMatch(p.split('.'), s.split('.'))).sort();
          expect(patterns.filter((p) => matchSubject(p, s)).sort()).toEqual(expected);
          expect([...trie.match(s)].sort()).toEqual(expected);
        }
        for (const p of patterns) expect(trie.remove(p, p)).toBe(true);
        expect(trie.size).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });
});
