/**
 * What every memory scenario's contestants share: the payload shape, the subject universe of
 * `memory/wildcard-1k`, and the NATS-syntax matcher that peers without wildcards use as their equivalent.
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
    : { name: `isoflux (payload: ${payload})`, role: 'variant' };
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
 * A NATS pattern compiled into a predicate that does not split the subject: what a careful user of an
 * emitter without wildcards would write. Independent of isoflux's own matcher, so the expected delivery
 * counts it yields also check isoflux.
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

const MATCHERS = WILDCARDS.map(compileMatcher);

/** Handlers one message to `subject` reaches: its exact subscription plus the matching wildcards. */
function fanoutOf(subject: string): number {
  let n = 1;
  for (const match of MATCHERS) if (match(subject)) n++;
  return n;
}

/** Length of the pre-generated publish sequence (a power of two, indexed with a mask). */
export const PUBLISH_LIST_SIZE = 4096;

/** The subjects published to, in order: drawn from {@link SUBJECTS} by a seeded generator, so every run and contestant sees the same sequence. */
export const PUBLISH_LIST: readonly string[] = (() => {
  let state = 0x9e3779b9;
  const list: string[] = [];
  for (let i = 0; i < PUBLISH_LIST_SIZE; i++) {
    // xorshift32: deterministic and cheap; quality is beside the point
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    list.push(SUBJECTS[(state >>> 0) % SUBJECTS.length] as string);
  }
  return list;
})();

const prefixDeliveries: number[] = [0];
for (const subject of PUBLISH_LIST) prefixDeliveries.push((prefixDeliveries[prefixDeliveries.length - 1] as number) + fanoutOf(subject));

/** Deliveries after publishing the first `ops` entries of the (cycled) publish list. */
export function wildcardDeliveries(ops: number): number {
  const cycle = prefixDeliveries[PUBLISH_LIST_SIZE] as number;
  return Math.floor(ops / PUBLISH_LIST_SIZE) * cycle + (prefixDeliveries[ops % PUBLISH_LIST_SIZE] as number);
}
