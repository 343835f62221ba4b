/**
 * Hostile frames on the leader tab's BroadcastChannel: any script of the origin can post there. The frame
 * check never throws and lets only well-formed frames through; a rogue posting random frames — malformed,
 * or well-formed calls with junk arguments addressed to the real leader, forged replies and events,
 * made-up leaders — is counted and dropped while the real tabs keep publishing, subscribing and requesting.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/memory/index.js';
import { checkLeaderFrame, FrameKind, SESSION_OPS } from '../../src/worker/leader-frames.js';
import { connectLeaderBus, type LeaderBus } from '../../src/worker/index.js';
import { Inbox } from '../portable/conformance/wait.js';
import { cloneable, pattern, subject } from '../portable/hostile/arbitraries.js';
import { until } from '../portable/waits.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,22}$/);
const base = { t: fc.constant('isoflux/leader'), v: fc.constant(1), from: id };
const op = fc.constantFrom(...SESSION_OPS);
const args = fc.oneof(
  fc.tuple(fc.array(fc.tuple(subject, cloneable), { maxLength: 3 })),
  fc.tuple(fc.nat(), pattern, fc.option(fc.string(), { nil: undefined }), fc.boolean()),
  fc.array(cloneable, { maxLength: 8 }),
);
/** Well-formed frames of every kind (their contents still junk where the frame check does not look). */
function validFrame(hosts: () => string[]): fc.Arbitrary<Record<string, unknown>> {
  const to = fc.oneof(id, fc.constant(null).map(() => hosts()[0] ?? 'none'));
  return fc.oneof(
    fc.record({ ...base, k: fc.constant(FrameKind.Call), to, call: fc.integer({ min: 1, max: 1000 }), op, args }),
    fc.record({ ...base, k: fc.constant(FrameKind.Reply), to: id, call: fc.integer({ min: 1, max: 1000 }), value: cloneable }),
    fc.record({ ...base, k: fc.constant(FrameKind.Events), to: id, items: fc.array(cloneable, { maxLength: 4 }) }),
    fc.record({ ...base, k: fc.constantFrom(FrameKind.Leader, FrameKind.Who) }),
  );
}

/** A well-formed frame with one field replaced by anything a structured clone can carry. */
function mutatedFrame(hosts: () => string[]): fc.Arbitrary<Record<string, unknown>> {
  const field = fc.constantFrom('t', 'v', 'from', 'k', 'to', 'call', 'op', 'args', 'items', 'value');
  return fc.tuple(validFrame(hosts), field, cloneable).map(([frame, key, value]) => ({ ...frame, [key]: value }));
}

describe('leader frames under attack', () => {
  it('the frame check never throws, and passes every well-formed frame', () => {
    fc.assert(
      fc.property(validFrame(() => []), (frame) => {
        expect(checkLeaderFrame(frame)).toBeUndefined();
      }),
    );
    fc.assert(
      fc.property(fc.oneof(cloneable, mutatedFrame(() => [])), (data) => {
        const problem = checkLeaderFrame(data);
        expect(problem === undefined || typeof problem === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('a rogue posting random frames changes nothing for the real tabs', async () => {
    const name = `hostile-${Math.random().toString(36).slice(2)}`;
    const server = createMemoryBus();
    const open = (): Promise<LeaderBus> => connectLeaderBus({ name, callTimeoutMs: 3000, host: () => ({ bus: server }) });
    const leader = await open();
    const follower = await open();
    cleanup.push(() => leader.close(), () => follower.close());
    const rogue = new BroadcastChannel(`isoflux/leader/${name}`);
    cleanup.push(() => rogue.close());
    const inbox = new Inbox();
    await follower.subscribe('real.*', inbox.push).ready;
    await leader.respond('real.echo', (m) => m.payload).ready;

    const frames = fc.sample(fc.oneof(validFrame(() => [leader.leaderId ?? 'none']), mutatedFrame(() => []), cloneable), 400);
    let sent = 0;
    for (const frame of frames) {
      try {
        rogue.postMessage(frame);
        sent++;
      } catch {
        // a value postMessage itself refuses never reaches anyone
      }
      if (sent % 50 === 0) await follower.publish('real.tick', sent);
    }
    await follower.publish('real.last', 'done');
    await until(() => inbox.payloads.includes('done'));
    expect((await follower.request('real.echo', 'still answers')).payload).toBe('still answers');
    expect(leader.role).toBe('leader');
    expect(follower.role).toBe('follower');
    const dropped = leader.stats.malformed + leader.stats.forged + follower.stats.malformed + follower.stats.forged;
    expect(dropped).toBeGreaterThan(0);
  });
});
