/**
 * The subject corpus of the differential test: the edge cases of nats-server's own sublist tests
 * (server/sublist_test.go: TestSublistValidLiteralSubjects, TestSublistValidSubjects, TestSublistMatchLiterals,
 * TestSublistInvalidSubjectsInsert, TestSublistMatchWithEmptyTokens, …) plus strings generated from an
 * alphabet that stresses the grammar (wildcard characters inside tokens, the whitespace set, other control
 * characters, multi-byte UTF-8). Deterministic: the same corpus in every runtime and every run.
 *
 * Lone surrogates are not in it: the server cannot be asked about them (a client encodes them as U+FFFD, another
 * subject). isoflux refuses them; test/portable/core/subject.test.ts checks that.
 */

/** Edge cases taken from nats-server's sublist tests, used both as subjects and as patterns. */
export const SERVER_TEST_CASES: readonly string[] = [
  // TestSublistValidLiteralSubjects / TestSublistValidSubjects
  '', 'foo', '.foo', 'foo.', 'foo..bar', 'foo.bar.*', 'foo.bar.>', '*', '>', '.', '>.bar', 'foo.>.bar',
  'foo*', 'foo**', 'foo.**', 'foo*bar', 'foo.*bar', 'foo*.bar', '*bar', 'foo>', 'foo>>', 'foo.>>', 'foo>bar',
  'foo.>bar', 'foo>.bar', '>bar',
  // TestSublistMatchLiterals
  'bar', 'foo.bar', 'bar.>', 'foo.>', 'stats.test.22', 'stats.>', 'stats.*.*', 'stats.test.foos', 'stats.test.foo',
  'stats.test', 'stats.test.*', 'stats.*', 'stats.*.*.foos', 'foo.***.bar', 'foo.>>>.bar',
  // TestSublistInvalidSubjectsInsert / TestSublistMatchWithEmptyTokens / TestSublistBadSubjectOnRemove
  'foo.bar..baz', '..foo', 'foo..', 'foo...bar', 'a.b..d', 'a.>.b',
  // TestSublistInsertWithWildcardsAsLiterals, TestSublistTwoTokenPubMatchSingleTokenSub
  'foo.*-', 'foo.>-', 'foo.bar-', 'foo.*.>', 'foo.*.bar', '*.foo', 'foo.foo', 'foo.*.bar.>',
  // the whitespace set of IsValidSubject (" \t\n\r\f") and characters outside it
  'foo bar', 'foo\tbar', 'foo\nbar', 'foo\rbar', 'foo\fbar', 'foo\vbar', 'foo\u0000bar', 'foo\u007fbar', 'foo\u00a0bar',
  'foo.\f', 'foo.\f.bar', '\f', 'foo\u2028bar', 'ü.bär', '日本.語', 'emoji.😀', '*.😀', '😀*',
];

/** Characters the generator draws from, weighted towards the ones the grammar cares about. */
const ALPHABET = ['a', 'b', 'c', 'a', 'b', '*', '*', '>', '>', '.', '.', '.', '-', '_', 'é', '😀', ' ', '\t', '\f', '\v', '\u0000', '\r', '\n', '\u00a0'];

/** Mulberry32: a tiny seeded PRNG, so the corpus is the same everywhere. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings built token by token (mostly well formed, so matching gets exercised) and char by char (mostly not). */
function generated(count: number, seed: number): string[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const tokens = ['a', 'b', 'c', 'ab', '*', '>', 'a*', '*a', '>a', 'a>', '**', '>>', 'é', '😀', 'a-b', '', 'a\fb', 'a b', 'a\u0000'];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (next() < 0.65) {
      const n = 1 + Math.floor(next() * 4);
      out.push(Array.from({ length: n }, () => (next() < 0.8 ? pick(tokens.slice(0, 6)) : pick(tokens))).join('.'));
    } else {
      const n = 1 + Math.floor(next() * 7);
      out.push(Array.from({ length: n }, () => pick(ALPHABET)).join(''));
    }
  }
  return out;
}

/** Every distinct string of the corpus, server cases first (`size` generated strings on top of them). */
export function subjectCorpus(size = 4000, seed = 0x150f1): string[] {
  return [...new Set([...SERVER_TEST_CASES, ...generated(size, seed)])];
}
