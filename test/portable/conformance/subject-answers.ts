/**
 * Holds a transport to what a real nats-server answered about the stored subject sample
 * (test/portable/subjects/server-answers.json, kept true by test/node/subject-differential.test.ts):
 * the same strings accepted for publish and subscribe, and the same pattern/subject pairs delivered.
 * Every string goes under the test's root (`<root>.<s>`), which keeps each answer as it is: a prefix
 * token changes neither validity nor matching.
 */
import { expect } from 'vitest';
import { serverAnswers } from '../subjects/answers.js';
import { MARKER, sleep } from './wait.js';
import { until } from '../waits.js';
import type { Endpoint, TransportUnderTest } from './transport.js';

/** How many valid patterns and subjects of the sample go through real delivery (all go through validation). */
const DELIVERY_PATTERNS = 48;
const DELIVERY_SUBJECTS = 64;

const codeOf = (error: unknown): string | undefined => (error as { code?: string } | undefined)?.code;

/** Runs the sample through `pub` and `sub`; fails with the disagreeing rows. */
export async function expectServerSubjectAnswers(pub: Endpoint, sub: Endpoint, root: string, t: TransportUnderTest, timeoutMs: number): Promise<void> {
  const { strings, matches } = serverAnswers;
  const publish = serverAnswers.publish.map((ok, i) => ok && !t.stricterSubjects?.publish?.(strings[i] as string));
  const subscribe = serverAnswers.subscribe.map((ok, i) => ok && !t.stricterSubjects?.subscribe?.(strings[i] as string));
  const at = (s: string): string => `${root}.${s}`;
  const wrong: string[] = [];

  for (const [i, s] of strings.entries()) {
    const published = await pub.publish(at(s), -1).then(
      () => true,
      (error: unknown) => (codeOf(error) === 'invalid_subject' ? false : `threw ${codeOf(error) ?? String(error)}`),
    );
    if (published !== publish[i]) wrong.push(`publish(${JSON.stringify(s)}): server ${String(publish[i])}, transport ${String(published)}`);
  }

  const patterns: number[] = [];
  const subscriptions: Array<{ unsubscribe(): void; ready: Promise<void> }> = [];
  const received = new Set<string>();
  const marked = new Set<number>();
  for (const [i, p] of strings.entries()) {
    let accepted: boolean | string;
    try {
      const wanted = subscribe[i] && patterns.length < DELIVERY_PATTERNS;
      const s = sub.subscribe(at(p), (m) => {
        if (m.payload === MARKER) marked.add(i);
        else if (m.payload !== -1) received.add(`${i},${String(m.payload)}`);
      });
      if (wanted) {
        patterns.push(i);
        subscriptions.push(s);
      } else s.unsubscribe();
      accepted = true;
    } catch (error) {
      accepted = codeOf(error) === 'invalid_subject' ? false : `threw ${codeOf(error) ?? String(error)}`;
    }
    if (accepted !== subscribe[i]) wrong.push(`subscribe(${JSON.stringify(p)}): server ${String(subscribe[i])}, transport ${String(accepted)}`);
  }
  expect(wrong.slice(0, 20)).toEqual([]);

  await Promise.all(subscriptions.map((s) => s.ready));
  const subjects = strings.flatMap((_, i) => (publish[i] ? [i] : [])).slice(0, DELIVERY_SUBJECTS);
  for (const j of subjects) await pub.publish(at(strings[j] as string), j);
  const chosen = new Set(patterns);
  const chosenSubjects = new Set(subjects);
  const expected = new Set(matches.filter(([p, s]) => chosen.has(p) && chosenSubjects.has(s)).map(([p, s]) => `${p},${s}`));
  const deadline = Date.now() + timeoutMs;
  while (received.size < expected.size && Date.now() < deadline) await sleep(10);
  // Barrier: per pattern, a marker on a subject it matches (by the server's table), published after the
  // sample; once each subscription has one, every delivery of the sample to it has arrived.
  const markerSubject = new Map<number, number>();
  for (const [p, s] of matches) if (chosen.has(p) && publish[s] && !markerSubject.has(p)) markerSubject.set(p, s);
  for (const s of new Set(markerSubject.values())) await pub.publish(at(strings[s] as string), MARKER);
  await until(() => [...markerSubject.keys()].every((p) => marked.has(p)), { timeoutMs, what: 'a marker on every pattern' });
  expect(markerSubject.size).toBeGreaterThan(patterns.length / 2);
  for (const s of subscriptions) s.unsubscribe();
  const name = (k: string): string => {
    const [p, s] = k.split(',').map(Number) as [number, number];
    return `${JSON.stringify(strings[p])} / ${JSON.stringify(strings[s])}`;
  };
  expect([...received].filter((k) => !expected.has(k)).map((k) => `delivered, the server did not: ${name(k)}`)).toEqual([]);
  expect([...expected].filter((k) => !received.has(k)).map((k) => `not delivered, the server did: ${name(k)}`)).toEqual([]);
  expect(expected.size).toBeGreaterThan(20);
}
