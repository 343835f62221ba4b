/**
 * The differential subject test: the same questions to a real nats-server (through nats-core and the raw
 * protocol, test/node/nats-reference.ts) and to isoflux — may a string be published to, subscribed to, and
 * does pattern P receive subject S — over a corpus of a few thousand strings seeded with the edge cases of
 * nats-server's own sublist tests. Every row must agree. It also keeps test/portable/subjects/server-answers.json
 * (the answers for a sample, which the conformance suite holds every transport to in every runtime) true:
 * when the server disagrees with that file, regenerate it with `UPDATE_SUBJECT_ANSWERS=1 npx vitest run
 * --project node test/node/subject-differential.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { isValidPattern, isValidSubject, matchSubject } from '../../src/index.js';
import { SubjectTrie } from '../../src/transport/index.js';
import { createMemoryBus } from '../../src/memory/index.js';
import { subjectCorpus } from '../portable/subjects/corpus.js';
import { SAMPLE_SIZE, type SubjectAnswers } from '../portable/subjects/answers.js';
import { askNatsServer, type ServerAnswers } from './nats-reference.js';

const ANSWERS_FILE = new URL('../portable/subjects/server-answers.json', import.meta.url);
const corpus = subjectCorpus();
let server: ServerAnswers;

/** The rows where isoflux and the server disagree, readable (JSON-quoted strings), at most 20. */
function disagreements(name: string, ours: boolean[], theirs: boolean[]): string[] {
  return corpus.flatMap((s, i) => (ours[i] === theirs[i] ? [] : [`${name}(${JSON.stringify(s)}): server ${String(theirs[i])}, isoflux ${String(ours[i])}`])).slice(0, 20);
}

const key = ([p, s]: readonly [number, number]): string => `${p},${s}`;

beforeAll(async () => {
  server = await askNatsServer(inject('natsTcpUrl'), corpus);
}, 60_000);

describe(`subjects: isoflux agrees with a real nats-server on ${corpus.length} strings`, () => {
  it('the corpus is large and exercises both answers', () => {
    expect(corpus.length).toBeGreaterThan(2000);
    for (const answers of [server.publish, server.subscribe]) {
      expect(answers.filter(Boolean).length).toBeGreaterThan(300);
      expect(answers.filter((a) => !a).length).toBeGreaterThan(300);
    }
    expect(server.matches.length).toBeGreaterThan(1000);
  });

  it('publish accepted? — isValidSubject and the memory bus', async () => {
    expect(disagreements('publish', corpus.map(isValidSubject), server.publish)).toEqual([]);
    const bus = createMemoryBus();
    const results = await Promise.all(corpus.map((s) => bus.publish(s, 1).then(() => true, (e: { code?: string }) => (e.code === 'invalid_subject' ? false : String(e)))));
    expect(disagreements('memory publish', results as boolean[], server.publish)).toEqual([]);
    await bus.close();
  });

  it('subscribe accepted? — isValidPattern and the memory bus', async () => {
    expect(disagreements('subscribe', corpus.map(isValidPattern), server.subscribe)).toEqual([]);
    const bus = createMemoryBus();
    const results = corpus.map((p) => {
      try {
        bus.subscribe(p, () => undefined).unsubscribe();
        return true;
      } catch (error) {
        if ((error as { code?: string }).code !== 'invalid_subject') throw error;
        return false;
      }
    });
    expect(disagreements('memory subscribe', results, server.subscribe)).toEqual([]);
    await bus.close();
  });

  it('does pattern P receive subject S? — matchSubject, SubjectTrie and the memory bus, every pair', async () => {
    const patterns = corpus.flatMap((_, i) => (server.subscribe[i] ? [i] : []));
    const subjects = corpus.flatMap((_, i) => (server.publish[i] ? [i] : []));
    const expected = new Set(server.matches.map(key));
    const mismatches: string[] = [];
    const check = (name: string, got: Set<string>): void => {
      for (const k of got) if (!expected.has(k)) mismatches.push(`${name}: ${describePair(k)} matched; the server did not deliver it`);
      for (const k of expected) if (!got.has(k)) mismatches.push(`${name}: ${describePair(k)} not matched; the server delivered it`);
    };

    const byFunction = new Set<string>();
    for (const p of patterns) for (const s of subjects) if (matchSubject(corpus[p] as string, corpus[s] as string)) byFunction.add(key([p, s]));
    check('matchSubject', byFunction);

    const trie = new SubjectTrie<number>();
    for (const p of patterns) trie.insert(corpus[p] as string, p);
    const byTrie = new Set<string>();
    for (const s of subjects) for (const p of trie.match(corpus[s] as string)) byTrie.add(key([p, s]));
    check('SubjectTrie', byTrie);

    const bus = createMemoryBus();
    const byBus = new Set<string>();
    for (const p of patterns) bus.subscribe(corpus[p] as string, (m) => void byBus.add(key([p, m.payload as number])), { bufferSize: 100_000 });
    for (const s of subjects) await bus.publish(corpus[s] as string, s, { untilHandled: true });
    check('memory bus', byBus);
    await bus.close();

    expect(mismatches.slice(0, 20)).toEqual([]);
  });

  it(`server-answers.json (the sample the conformance suite uses) is what this server answers`, () => {
    const inSample = (i: number): boolean => i < SAMPLE_SIZE;
    const live: SubjectAnswers = {
      server: `nats-server ${server.version}`,
      strings: corpus.slice(0, SAMPLE_SIZE),
      publish: server.publish.slice(0, SAMPLE_SIZE),
      subscribe: server.subscribe.slice(0, SAMPLE_SIZE),
      matches: server.matches.filter(([p, s]) => inSample(p) && inSample(s)),
    };
    if (process.env.UPDATE_SUBJECT_ANSWERS === '1') writeFileSync(ANSWERS_FILE, `${JSON.stringify(live, null, 1)}\n`);
    const stored = JSON.parse(readFileSync(ANSWERS_FILE, 'utf8')) as SubjectAnswers;
    expect({ ...stored, server: live.server }).toEqual(live);
  });
});

function describePair(k: string): string {
  const [p, s] = k.split(',').map(Number) as [number, number];
  return `pattern ${JSON.stringify(corpus[p])} / subject ${JSON.stringify(corpus[s])}`;
}
