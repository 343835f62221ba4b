import { describe, expect, it } from 'vitest';
import { assertSubject, hasWildcard, isValidSubject, matchSubject } from '../../../src/index.js';
import { SubjectTrie } from '../../../src/transport/index.js';
import { createMemoryBus } from '../../../src/memory/index.js';

describe('subjects', () => {
  it('accepts NATS subjects and patterns', () => {
    for (const s of ['a', 'orders.created', 'a.b.c.d', 'ünïcode.ok', 'with-dash_and:colon', 'a*', '>b', 'a.b>c', 'foo.**', 'a\fb', 'nul\u0000ok', 'emoji.😀']) expect(isValidSubject(s)).toBe(true);
    for (const p of ['*', '>', 'a.*', 'a.>', '*.b.*', 'a.*.>', 'a*.>', '>b.*', 'a\fb.*']) expect(() => assertSubject(p, { wildcards: true })).not.toThrow();
  });

  it('rejects each malformed form with a reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['.a', /empty token/],
      ['a.', /empty token/],
      ['a..b', /empty token/],
      ['a b', /whitespace/],
      ['a\nb', /whitespace/],
      ['a.>.b', /last token/],
      ['a\rb', /whitespace/],
      ['a\uD800b', /lone surrogate/],
    ];
    for (const [subject, reason] of cases) {
      expect(() => assertSubject(subject, { wildcards: true })).toThrow(reason);
      expect(() => assertSubject(subject, { wildcards: true })).toThrow(expect.objectContaining({ code: 'invalid_subject', subject }));
    }
    expect(() => assertSubject('a.*', { wildcards: false })).toThrow(/publish to a literal subject/);
    expect(() => assertSubject(42 as unknown as string, { wildcards: true })).toThrow(expect.objectContaining({ code: 'invalid_subject' }));
  });

  it('tells patterns from literal subjects', () => {
    expect(['*', '>', 'a.*', '*.a', 'a.*.b', 'a.>'].map(hasWildcard)).toEqual([true, true, true, true, true, true]);
    expect(['a', 'a.b', 'a*b.c'].map(hasWildcard)).toEqual([false, false, false]);
  });

  it('matches like NATS', () => {
    expect(matchSubject('a.*', 'a.b')).toBe(true);
    expect(matchSubject('a.*', 'a.b.c')).toBe(false);
    expect(matchSubject('a.>', 'a')).toBe(false);
    expect(matchSubject('a.>', 'a.b.c')).toBe(true);
    expect(matchSubject('>', 'x')).toBe(true);
    expect(matchSubject('*.b', 'a.b')).toBe(true);
    expect(matchSubject('a.b', 'a.b')).toBe(true);
    expect(matchSubject('a.b', 'a.c')).toBe(false);
  });
});

describe('SubjectTrie', () => {
  it('agrees with matchSubject on every pattern/subject pair', () => {
    const patterns = ['a', 'a.b', 'a.*', 'a.>', '*.b', '*', '>', 'a.*.c', 'a.b.c', '*.*.*', 'x.>'];
    const subjects = ['a', 'b', 'a.b', 'a.c', 'x.b', 'a.b.c', 'a.x.c', 'a.b.d', 'x.y.z', 'x'];
    const trie = new SubjectTrie<string>();
    for (const p of patterns) trie.insert(p, p);
    for (const s of subjects) {
      expect([...trie.match(s)].sort()).toEqual(patterns.filter((p) => matchSubject(p, s)).sort());
    }
  });

  it('removes entries, prunes and invalidates its cache', () => {
    const trie = new SubjectTrie<number>();
    trie.insert('a.*', 1);
    trie.insert('a.*', 2);
    trie.insert('a.>', 3);
    expect(trie.match('a.b')).toHaveLength(3);
    expect(trie.remove('a.*', 1)).toBe(true);
    expect(trie.remove('a.*', 1)).toBe(false);
    expect(trie.remove('nope.x', 1)).toBe(false);
    expect([...trie.match('a.b')].sort()).toEqual([2, 3]);
    trie.remove('a.*', 2);
    trie.remove('a.>', 3);
    expect(trie.size).toBe(0);
    expect(trie.match('a.b')).toEqual([]);
  });

  it('returns each value once even when two of its paths match', () => {
    const trie = new SubjectTrie<string>();
    trie.insert('a.*', 'v');
    trie.insert('*.b', 'v');
    expect(trie.match('a.b')).toEqual(['v']);
  });

  it('keeps its match cache bounded', () => {
    const trie = new SubjectTrie<number>();
    trie.insert('>', 1);
    for (let i = 0; i < 10_000; i++) expect(trie.match(`s.${i}`)).toEqual([1]);
    expect(trie.cached('s.0')).toBeUndefined();
  });

  it('pauses caching under a stream of ever-new subjects, caches again once subjects repeat', () => {
    const trie = new SubjectTrie<number>();
    trie.insert('s.*', 1);
    // a repeating load is cached
    for (let i = 0; i < 100; i++) trie.match(`s.${i % 10}`);
    expect(trie.cached('s.3')).toEqual([1]);
    // 4,096 new subjects with no hits fill the cache: caching pauses, nothing is remembered
    for (let i = 0; i < 10_000; i++) expect(trie.match(`s.new${i}`)).toEqual([1]);
    expect(trie.cached('s.new9999')).toBeUndefined();
    expect(trie.cached('s.3')).toBeUndefined();
    // after the pause, repeating subjects are cached again
    for (let i = 0; i < 40_000; i++) trie.match(`s.${i % 10}`);
    expect(trie.cached('s.3')).toEqual([1]);
    // and matching stays right throughout
    expect(trie.match('t.1')).toEqual([]);
  });
});

describe('subject limits', () => {
  it('bounds length in UTF-8 bytes and the token count, defaulting to what the 4096-byte control line carries', () => {
    expect(isValidSubject('a'.repeat(4096))).toBe(true);
    expect(() => assertSubject('a'.repeat(4097), { wildcards: false })).toThrow(expect.objectContaining({ code: 'invalid_subject', message: expect.stringMatching(/4097 bytes is longer than the limit of 4096/) }));
    // 2,049 characters but 4,098 bytes
    expect(() => assertSubject('é'.repeat(2049), { wildcards: true })).toThrow(/4098 bytes/);
    expect(() => assertSubject(Array.from({ length: 11 }, () => 'a').join('.'), { wildcards: true, maxTokens: 10 })).toThrow(/more than 10 tokens/);
    expect(() => assertSubject('abcdef', { wildcards: false, maxBytes: 5 })).toThrow(/6 bytes/);
    expect(() => assertSubject('a', { wildcards: false, maxBytes: 0 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });

  it('a memory bus applies its own limits to publish, subscribe and request', async () => {
    const bus = createMemoryBus({ subjectLimits: { maxBytes: 16, maxTokens: 3 } });
    await expect(bus.publish('a.b.c.d', 1)).rejects.toMatchObject({ code: 'invalid_subject' });
    await expect(bus.publish('a'.repeat(17), 1)).rejects.toMatchObject({ code: 'invalid_subject' });
    expect(() => bus.subscribe('a.*.*.>', () => undefined)).toThrow(expect.objectContaining({ code: 'invalid_subject' }));
    await expect(bus.request('a.b.c.d', 1)).rejects.toMatchObject({ code: 'invalid_subject' });
    await expect(bus.publish('a.b.c', 1)).resolves.toBeUndefined();
    expect(() => createMemoryBus({ subjectLimits: { maxTokens: -1 } })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });

  it('matches a subject of any depth without overflowing the call stack', () => {
    const trie = new SubjectTrie<string>();
    const deep = Array.from({ length: 50_000 }, () => 'a').join('.');
    trie.insert('>', 'tail');
    trie.insert('a.>', 'a-tail');
    trie.insert(deep, 'exact');
    expect([...trie.match(deep)].sort()).toEqual(['a-tail', 'exact', 'tail']);
  });
});
