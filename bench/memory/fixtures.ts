/**
 * What every memory scenario's contestants share: the payload shape, the subject universes of the wildcard
 * scenarios, the RegExp a user of an emitter without wildcards writes for a NATS pattern, and an
 * independent matcher the expected delivery counts are computed with (so those counts also check isoflux).
 * @module
 */

import type { PayloadProtection } from '../../src/memory/index.js';
import type { Numbered } from '../lib/sink.js';
import type { Contestant } from '../lib/types.js';

/** Every contestant publishes a fresh one of these per message (isoflux deep-freezes it by default). */
export type Payload = Numbered;

/** The bus's default protection: the `isoflux` row. Any other is reported as a variant row. */
export const DEFAULT_PROTECTION: PayloadProtection = 'freeze';

/** Name, role and note of an isoflux contestant using payload protection `payload`. */
export function isofluxIdentity(payload: PayloadProtection, note: string): Pick<Contestant, 'name' | 'role' | 'note'> {
  return payload === DEFAULT_PROTECTION
    ? { name: 'isoflux', role: 'isoflux', note: `createMemoryBus() with its defaults (payload: '${payload}'); handlers get the full Message envelope. ${note}` }
    : { name: `isoflux (payload: ${payload})`, role: 'variant', note: `createMemoryBus({ payload: '${payload}' }): no payload protection. ${note}` };
}

/** Subjects `s.<domain>.<entity>`: 10 × 100 = 1,000 distinct literal subjects, one exact subscription each. */
export const SUBJECTS: readonly string[] = Array.from({ length: 1000 }, (_, i) => `s.${Math.floor(i / 100)}.${i % 100}`);

/**
 * The wildcard subscriptions on top of the 1,000 exact ones, in NATS syntax: one that sees everything
 * (an audit log), one per domain, one per entity across domains.
 */
export const WILDCARDS: readonly string[] = ['s.>', 's.3.*', 's.*.7'];

/** postal speaks AMQP syntax: `#` instead of a trailing `>` (zero-or-more vs one-or-more tokens; equal here, no one publishes to `s`). */
export function toAmqp(pattern: string): string {
  return pattern.endsWith('.>') ? `${pattern.slice(0, -1)}#` : pattern;
}

/**
 * The RegExp a user of mitt or EventEmitter3 writes for a NATS pattern: `*` is one token, `>` the rest,
 * anchored at both ends. Tested against each published subject in a catch-all listener.
 */
export function toRegExp(pattern: string): RegExp {
  const body = pattern
    .split('.')
    .map((t) => (t === '*' ? '[^.]+' : t === '>' ? '.+' : t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('\\.');
  return new RegExp(`^${body}$`);
}

/**
 * A NATS pattern compiled into a predicate, written independently of isoflux's matcher: the expected
 * delivery counts come from it, so they check isoflux as much as the peers.
 */
export function compileMatcher(pattern: string): (subject: string) => boolean {
  const tokens = pattern.split('.');
  return (subject) => {
    let start = 0;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as string;
      if (token === '>') return start < subject.length;
      if (start > subject.length) return false;
      let dot = subject.indexOf('.', start);
      if (dot === -1) dot = subject.length;
      if (token !== '*' && (dot - start !== token.length || !subject.startsWith(token, start))) return false;
      start = dot + 1;
    }
    return start === subject.length + 1;
  };
}

/** A seeded xorshift32 generator: every run and every contestant sees the same sequence. */
function xorshift(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

/** The subjects a wildcard scenario publishes to, in order, and the deliveries that causes. */
export interface PublishPlan {
  /** Distinct subjects in the plan. */
  readonly distinct: number;
  /** The cycled publish sequence (pre-built strings, as subjects arriving from elsewhere in an app). */
  readonly list: readonly string[];
  /** Deliveries after publishing the first `ops` entries of the cycled list. */
  deliveries(ops: number): number;
}

const MATCHERS = WILDCARDS.map(compileMatcher);
const EXACT = new Set(SUBJECTS);

function plan(list: string[], distinct: number): PublishPlan {
  const prefix: number[] = [0];
  for (const subject of list) {
    let n = EXACT.has(subject) ? 1 : 0;
    for (const match of MATCHERS) if (match(subject)) n++;
    prefix.push((prefix[prefix.length - 1] as number) + n);
  }
  const cycle = prefix[list.length] as number;
  return { distinct, list, deliveries: (ops) => Math.floor(ops / list.length) * cycle + (prefix[ops % list.length] as number) };
}

/**
 * Cache-friendly: 4,096 draws from the 1,000 subscribed subjects. A bus that caches per-subject match
 * results hits its cache on almost every publish.
 */
export const PLAN_1K: PublishPlan = (() => {
  const next = xorshift(0x9e3779b9);
  return plan(Array.from({ length: 4096 }, () => SUBJECTS[next() % SUBJECTS.length] as string), SUBJECTS.length);
})();

/**
 * Cache-hostile twin: the same subscriptions, but the publishes cycle through 50,000 distinct subjects
 * `s.<0..49>.<0..999>` in a seeded shuffled order (each once per cycle), as with subjects carrying an
 * entity id. 2% of them also have an exact subscription; every one reaches `s.>`.
 */
export const PLAN_50K: PublishPlan = (() => {
  const all = Array.from({ length: 50_000 }, (_, i) => `s.${Math.floor(i / 1000)}.${i % 1000}`);
  const next = xorshift(0x1b873593);
  for (let i = all.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [all[i], all[j]] = [all[j] as string, all[i] as string];
  }
  return plan(all, all.length);
})();
