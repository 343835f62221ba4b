/**
 * @module The memory group: isoflux's in-process bus against mitt, eventemitter3, nanoevents, RxJS and
 * postal (issue 2's four scenarios). Needs nothing outside the process.
 */
import type { BenchGroup } from '../lib/types.js';
import { asyncBlockScenario } from './async-block.js';
import { directScenario } from './direct.js';
import { wildcardScenario } from './wildcard.js';

const memory: BenchGroup = {
  name: 'memory',
  scenarios: [directScenario('memory/exact-1sub', 1), directScenario('memory/fanout-10', 10), wildcardScenario, asyncBlockScenario],
};

export default memory;
