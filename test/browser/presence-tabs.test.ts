/**
 * Presence across the contexts of one origin in real Chromium: members in one page and in a worker, joins
 * and leaves from Web Locks (a terminated worker leaves like a closed tab), and hostile locks and doorbell
 * frames that change nothing. Real tabs closing: test/e2e/presence-tabs.spec.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBroadcastBus, type BroadcastBus } from '../../src/broadcast/index.js';
import { joinTabs, PresenceFrameError, type TabPresence, type TabPresenceOptions } from '../../src/presence/index.js';
import { next, knows } from './presence-waits.js';

let run = 0;
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function bus(): BroadcastBus {
  const b = createBroadcastBus({ namespace: 'presence-test' });
  cleanup.push(() => b.close());
  return b;
}

function freshNamespace(): string {
  return `room.t${Date.now().toString(36)}${(run++).toString(36)}`;
}

async function join(namespace: string, options: Partial<TabPresenceOptions> = {}): Promise<TabPresence> {
  const presence = joinTabs(bus(), { namespace, ...options });
  cleanup.push(() => presence.close());
  await presence.ready;
  return presence;
}

/** Holds the lock `name` (as a foreign script would) until the returned function is called. */
async function holdForeign(name: string): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await new Promise<void>((granted) => void navigator.locks.request(name, () => (granted(), held)));
  return release;
}

describe('tab presence', () => {
  it('members see each other with their metadata, read from the held locks', async () => {
    const ns = freshNamespace();
    const ada = await join(ns, { meta: { name: 'Ada' } });
    const bob = await join(ns, { meta: { name: 'Bob', n: 2 } });
    await Promise.all([knows(ada, [ada.self.id, bob.self.id]), knows(bob, [ada.self.id, bob.self.id])]);
    expect(ada.members().find((m) => m.id === bob.self.id)).toMatchObject({ meta: { name: 'Bob', n: 2 }, self: false });
    const held = (await navigator.locks.query()).held?.map((l) => l.name) ?? [];
    expect(held.filter((name) => name?.includes(encodeURIComponent(ns)))).toHaveLength(2);
  });

  it('a member that closes leaves with reason "closed"; another namespace is not affected', async () => {
    const ns = freshNamespace();
    const ada = await join(ns);
    const other = await join(freshNamespace());
    const bob = await join(ns);
    await knows(ada, [ada.self.id, bob.self.id]);
    expect(other.members()).toHaveLength(1);
    const left = next(ada, (c) => c.kind === 'leave');
    await bob.close();
    expect(await left).toMatchObject({ kind: 'leave', reason: 'closed', member: { id: bob.self.id } });
  });

  it('a worker joins, and leaves the moment it is terminated (its lock is released by the browser)', async () => {
    const ns = freshNamespace();
    const ada = await join(ns);
    const url = new URL('./presence-worker.ts', import.meta.url);
    url.searchParams.set('ns', ns);
    url.searchParams.set('name', 'w1');
    const joined = next(ada, (c) => c.kind === 'join');
    const worker = new Worker(url, { type: 'module' });
    cleanup.push(() => worker.terminate());
    const change = await joined;
    expect(change.member.meta).toEqual({ name: 'w1', in: 'worker' });
    const left = next(ada, (c) => c.kind === 'leave');
    worker.terminate();
    expect(await left).toMatchObject({ reason: 'closed', member: { id: change.member.id } });
  });

  it('a malformed presence lock is reported once and is nobody; a doorbell alone joins nobody', async () => {
    const ns = freshNamespace();
    const errors: unknown[] = [];
    const ada = await join(ns, { onError: (e) => errors.push(e) });
    const prefix = `isoflux:presence:1:${encodeURIComponent(ns)}:`;
    cleanup.push(await holdForeign(`${prefix}no-metadata`));
    cleanup.push(await holdForeign(`${prefix}bad id!:%7B%7D`));
    cleanup.push(await holdForeign(`${prefix}mallory:%7Bnot json`));
    cleanup.push(await holdForeign(`${prefix}mallory:${encodeURIComponent('{"a":{"b":1}}')}`));
    const raw = bus();
    // junk and a claim for a member that holds no lock, then a real member: once it is seen, all were read
    for (const frame of ['junk', { v: 1, id: 'ghost' }, { v: 99 }, null]) await raw.publish(`_isoflux.presence.${ns}`, frame);
    const bob = await join(ns);
    await knows(ada, [ada.self.id, bob.self.id]);
    await raw.publish(`_isoflux.presence.${ns}`, { v: 1, id: 'again' });
    const carol = await join(ns);
    await knows(ada, [ada.self.id, bob.self.id, carol.self.id]);
    expect(errors).toHaveLength(4);
    for (const error of errors) expect(error).toBeInstanceOf(PresenceFrameError);
  });

  it('closing before ready rejects ready with closed; bad options throw at once', async () => {
    const ns = freshNamespace();
    const presence = joinTabs(bus(), { namespace: ns });
    await presence.close();
    await expect(presence.ready).rejects.toMatchObject({ code: 'closed' });
    expect(() => joinTabs(bus(), { namespace: 'a..b' })).toThrow(/literal subject/);
    expect(() => joinTabs(bus(), { namespace: ns, locks: {} as never })).toThrow(/Web Locks/);
  });
});
