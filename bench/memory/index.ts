/**
 * @module The memory group: isoflux's in-process bus against mitt, eventemitter3, nanoevents, RxJS and
 * postal: fire-and-forget and awaited publishing, cache-friendly and cache-hostile wildcards, backpressure,
 * heap per subscription; and the wiretap's own cost (tapped, untapped, a tap removed). Needs nothing outside the process.
 */
import type { BenchGroup } from '../lib/types.js';
import { asyncBlockScenario } from './async-block.js';
import { awaitedScenario } from './awaited.js';
import { directScenario } from './direct.js';
import { PLAN_1K, PLAN_50K } from './fixtures.js';
import { heapDistinct, heapOneSubject } from './heap.js';
import { wildcard1k, wildcard50k } from './wildcard.js';
import { wiretapScenario } from './wiretap.js';

const memory: BenchGroup = {
  name: 'memory',
  scenarios: [
    directScenario('memory/exact-1sub', 1, { text: 'fire-and-forget ≥ 1.5x mitt', conditions: [{ peer: 'mitt', minRatio: 1.5 }] }),
    awaitedScenario('memory/exact-1sub-awaited', { kind: 'direct', fanout: 1 }, 'one literal subject, 1 synchronous subscriber', {
      text: 'awaited within 1.3x of (mitt emit + a bare await loop)',
      conditions: [{ peer: 'mitt emit + await', minRatio: Number((1 / 1.3).toFixed(3)) }],
    }),
    directScenario('memory/fanout-10', 10, {
      text: "≥ 1.0x mitt with payload: 'shared', ≥ 0.85x with the default protection",
      conditions: [
        { contestant: 'isoflux (payload: shared)', peer: 'mitt', minRatio: 1 },
        { peer: 'mitt', minRatio: 0.85 },
      ],
    }),
    awaitedScenario('memory/fanout-10-awaited', { kind: 'direct', fanout: 10 }, 'one literal subject, 10 synchronous subscribers'),
    wildcard1k,
    awaitedScenario('memory/wildcard-1k-awaited', { kind: 'wildcard', plan: PLAN_1K }, 'the subscriptions and publish plan of wildcard-1k'),
    wildcard50k,
    awaitedScenario('memory/wildcard-50k-awaited', { kind: 'wildcard', plan: PLAN_50K }, 'the subscriptions and publish plan of wildcard-50k'),
    asyncBlockScenario,
    heapOneSubject,
    heapDistinct,
    wiretapScenario,
  ],
};

export default memory;
