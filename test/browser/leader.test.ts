/**
 * The leader-tab transport in one real Chromium page: several `LeaderBus`es, each with its own
 * BroadcastChannel and sharing the page's Web Locks, behave like tabs. One memory bus plays the server
 * every leader connects to, so what reached it can be counted across handovers. Real tabs, a real
 * nats-server and a crashed leader are in test/e2e/leader.spec.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tap, type TapEvent } from '../../src/index.js';
import { createMemoryBus, type MemoryBus } from '../../src/memory/index.js';
import { createOutbox, memoryStore } from '../../src/outbox/index.js';
import { connectLeaderBus, connectShared, LeaderBus, LeaderGoneError, WorkerBus, type LeaderBusOptions, type LockManagerLike } from '../../src/worker/index.js';
import { Inbox } from '../portable/conformance/wait.js';
import { gate, turn, until } from '../portable/waits.js';

let names = 0;
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** `count` tabs sharing one leader; `server` is the bus every leader hosts (the stand-in for nats-server). */
async function tabs(count: number, server: MemoryBus = createMemoryBus(), extra: Partial<LeaderBusOptions> = {}): Promise<{ buses: LeaderBus[]; server: MemoryBus; name: string; hosted: string[] }> {
  const name = `t${++names}-${Math.random().toString(36).slice(2)}`;
  const hosted: string[] = [];
  const buses: LeaderBus[] = [];
  for (let i = 0; i < count; i++) {
    const bus = await connectLeaderBus({ name, callTimeoutMs: 3000, host: () => (hosted.push(`tab${i}`), { bus: server }), ...extra });
    cleanup.push(() => bus.close());
    buses.push(bus);
  }
  return { buses, server, name, hosted };
}

describe('leader tab bus', () => {
  it('elects one leader; every tab publishes, subscribes, requests and answers through it', async () => {
    const { buses, server, hosted } = await tabs(3);
    const [a, b, c] = buses as [LeaderBus, LeaderBus, LeaderBus];
    expect(buses.map((bus) => bus.role)).toEqual(['leader', 'follower', 'follower']);
    expect(hosted).toEqual(['tab0']);
    const inbox = new Inbox();
    await c.subscribe('orders.>', inbox.push).ready;
    await b.respond('math.double', (m) => (m.payload as number) * 2).ready;
    await b.publish('orders.eu', { total: 1 }, { id: 'o-1', headers: { 'x-t': 'y' } });
    const [m] = await inbox.waitFor(1);
    expect(m).toMatchObject({ subject: 'orders.eu', payload: { total: 1 }, id: 'o-1', headers: { 'x-t': 'y' } });
    expect((await a.request('math.double', 21)).payload).toBe(42);
    expect((await c.request('math.double', 2)).payload).toBe(4);
    // the server saw one subscription per tab subscription: the leader hosts them all on one bus
    expect(server.stats.subscriptions).toBeGreaterThanOrEqual(2);
  });

  it('is tappable: tap() on a follower sees its publishes and its deliveries', async () => {
    const { buses } = await tabs(2);
    const follower = buses[1] as LeaderBus;
    const events: TapEvent[] = [];
    const stop = tap(follower, (e) => events.push(e));
    const inbox = new Inbox();
    await follower.subscribe('tapped.>', inbox.push).ready;
    await follower.publish('tapped.one', 'x', { id: 'l-1' });
    await inbox.waitFor(1);
    await until(() => events.some((e) => e.kind === 'delivered'));
    // `published` comes once the leader acknowledged, which may be after the delivery reached this tab
    expect(events.map((e) => `${e.kind}:${e.system}:${e.subject}:${e.id ?? ''}`).sort()).toEqual(['delivered:worker:tapped.one:l-1', 'published:worker:tapped.one:l-1']);
    stop();
  });

  it('checks its options before it opens anything, naming the wrong one; an aborted signal opens nothing', async () => {
    const host = (): { bus: MemoryBus } => ({ bus: createMemoryBus() });
    const name = `opts-${++names}`;
    await expect(connectLeaderBus({ name, host, answerTimeoutMs: 0 })).rejects.toMatchObject({ code: 'invalid_argument', option: 'answerTimeoutMs' });
    await expect(connectLeaderBus({ name, host, callTimeoutMs: Number.NaN })).rejects.toMatchObject({ code: 'invalid_argument', option: 'callTimeoutMs' });
    await expect(connectLeaderBus({ name, host, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
    // none of them took part in the election: the first real tab leads
    const bus = await connectLeaderBus({ name, host, callTimeoutMs: 3000 });
    cleanup.push(() => bus.close());
    expect(bus.role).toBe('leader');
  });

  it('a tab whose lifetime lock is granted late says nothing before it holds it (its session would close at once)', async () => {
    const { buses, name, server } = await tabs(1);
    const late = gate();
    const locks = navigator.locks as unknown as LockManagerLike;
    const slow: LockManagerLike = {
      request: (lock, options, callback) => (lock.includes('/tab/') ? late.promise.then(() => locks.request(lock, options, callback)) : locks.request(lock, options, callback)),
    };
    const joining = connectLeaderBus({ name, callTimeoutMs: 3000, locks: slow, host: () => ({ bus: server }) });
    // long enough for a hello to reach the leader, had the tab spoken before holding its lock
    for (let i = 0; i < 100; i++) await turn();
    late.open();
    const follower = await joining;
    cleanup.push(() => follower.close());
    const inbox = new Inbox();
    await follower.subscribe('late.*', inbox.push).ready;
    await buses[0]!.publish('late.x', 1);
    await inbox.waitFor(1);
  });

  it('bounds a tab responder by the leader\'s answerTimeoutMs, and routes each answer to its own ask', async () => {
    const { buses } = await tabs(3, createMemoryBus(), { answerTimeoutMs: 150 });
    const [, b, c] = buses as [LeaderBus, LeaderBus, LeaderBus];
    await c.respond('hangs', () => new Promise(() => undefined)).ready;
    await c.respond('echo', (m) => m.payload).ready;
    const began = Date.now();
    const [hung, ...echoes] = await Promise.all([b.request('hangs', 0, { timeoutMs: 5000 }).catch((e: unknown) => e), ...[1, 2, 3].map((n) => b.request('echo', n))]);
    expect(hung).toMatchObject({ code: 'remote_error', remoteCode: 'timeout' });
    expect(Date.now() - began).toBeLessThan(2000);
    expect(echoes.map((m) => m.payload)).toEqual([1, 2, 3]);
  });

  it('spreads a queue group over the tabs: each message is handled by one of them', async () => {
    const { buses } = await tabs(3);
    const inboxes = buses.map(() => new Inbox());
    await Promise.all(buses.map((bus, i) => bus.subscribe('jobs', inboxes[i]!.push, { queue: 'workers' }).ready));
    await Promise.all(Array.from({ length: 30 }, (_, i) => buses[0]!.publish('jobs', i)));
    await until(() => inboxes.reduce((n, inbox) => n + inbox.messages.length, 0) === 30);
    const all = inboxes.flatMap((inbox) => inbox.payloads as number[]).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('hands over when the leader leaves mid-traffic: subscriptions re-created, no acknowledged publish lost', async () => {
    const { buses, server, hosted } = await tabs(3);
    const [a, b, c] = buses as [LeaderBus, LeaderBus, LeaderBus];
    const stored = new Map<string, number>();
    server.subscribe('ticks', (m) => void stored.set(m.id, (stored.get(m.id) ?? 0) + 1));
    const seen = new Inbox();
    await c.subscribe('ticks', seen.push).ready;
    const acked: string[] = [];
    const publishes: Array<Promise<void>> = [];
    for (let i = 0; i < 200; i++) {
      const id = `tick-${i}`;
      publishes.push(b.publish('ticks', i, { id }).then(() => void acked.push(id)));
      if (i === 100) void a.close(); // the leader leaves with publishes in flight
      if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await Promise.all(publishes);
    expect(acked).toHaveLength(200);
    expect(hosted).toHaveLength(2);
    expect([b.role, c.role].sort()).toEqual(['follower', 'leader']);
    for (const id of acked) expect(stored.get(id), id).toBeGreaterThanOrEqual(1);
    // after the handover the follower's subscription keeps receiving
    await b.publish('ticks', 'after', { id: 'after' });
    await until(() => seen.payloads.includes('after'));
    expect(b.stats.leaders + c.stats.leaders).toBe(4);
  });

  it('fails a request in flight during a handover with LeaderGoneError, and serves the next one', async () => {
    const { buses } = await tabs(3);
    const [a, b, c] = buses as [LeaderBus, LeaderBus, LeaderBus];
    let release!: () => void;
    await c.respond('slow', () => new Promise<string>((resolve) => (release = () => resolve('late')))).ready;
    const pending = b.request('slow', null, { timeoutMs: 5000 }).catch((e: unknown) => e);
    await until(() => release !== undefined);
    await a.close();
    expect(await pending).toBeInstanceOf(LeaderGoneError);
    await until(() => b.role !== 'electing' && c.role !== 'electing');
    await c.respond('fast', () => 'ok').ready;
    expect((await b.request('fast', null)).payload).toBe('ok');
    release();
  });

  it('shows one connection state in every tab, reconnecting during a handover', async () => {
    const { buses } = await tabs(2);
    const [a, b] = buses as [LeaderBus, LeaderBus];
    const states: string[] = [];
    b.connection.subscribe((s) => states.push(s.state));
    await a.close();
    await until(() => b.role === 'leader' && b.connection.state === 'connected');
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('connected');
  });

  it('drops hostile frames: junk, forged replies and events, a made-up leader — and keeps working', async () => {
    const { buses, name } = await tabs(2);
    const [, b] = buses as [LeaderBus, LeaderBus];
    const rogue = new BroadcastChannel(`isoflux/leader/${name}`);
    cleanup.push(() => rogue.close());
    const inbox = new Inbox();
    await b.subscribe('x', inbox.push).ready;
    const base = { t: 'isoflux/leader', v: 1 };
    rogue.postMessage('junk');
    rogue.postMessage({ ...base, k: 9, from: 'r' });
    rogue.postMessage({ ...base, v: 2, k: 3, from: 'r' });
    rogue.postMessage({ ...base, k: 0, from: 'r', to: 'h', call: 1, op: '__proto__', args: [] });
    await until(() => b.stats.malformed + buses[0]!.stats.malformed >= 4);
    // a forged announcement: b follows it only until the lock check finds no such leader, then returns
    rogue.postMessage({ ...base, k: 3, from: 'made-up-leader' });
    await until(() => b.stats.leaders >= 2 && b.role === 'follower');
    await b.publish('x', 'still works');
    await inbox.waitFor(1);
    expect(b.stats.forged).toBe(0);
  });

  it('relays an outbox through a follower: every entry reaches the server across a handover', async () => {
    const { buses, server } = await tabs(2);
    const [a, b] = buses as [LeaderBus, LeaderBus];
    const stored = new Set<string>();
    server.subscribe('orders.*', (m) => void stored.add(m.id));
    const outbox = createOutbox({ store: memoryStore(), target: b, lockName: `outbox-${++names}`, relay: { concurrency: 4 } });
    cleanup.push(() => outbox.close());
    const ids = Array.from({ length: 60 }, (_, i) => `order-${i}`);
    for (const [i, id] of ids.entries()) {
      await outbox.publish('orders.created', { i }, { id });
      if (i === 30) void a.close(); // the leader leaves while the relay is busy
    }
    await outbox.drained();
    expect([...stored].sort()).toEqual([...ids].sort());
    expect(b.role).toBe('leader');
  });

  it('connectShared picks the SharedWorker where it exists and the leader tab when it is hidden', async () => {
    const name = `shared-${++names}`;
    const host = (): { bus: MemoryBus } => ({ bus: createMemoryBus() });
    const url = new URL('./fixtures/bus-worker.ts', import.meta.url);
    const viaWorker = await connectShared({ name, host, sharedWorker: () => new SharedWorker(url, { type: 'module', name }) });
    cleanup.push(() => viaWorker.close());
    expect(viaWorker).toBeInstanceOf(WorkerBus);
    const saved = globalThis.SharedWorker;
    // @ts-expect-error hiding SharedWorker as Android Chrome lacks it
    delete globalThis.SharedWorker;
    try {
      const viaLeader = await connectShared({ name, host, sharedWorker: () => new saved(url, { type: 'module', name }) });
      cleanup.push(() => viaLeader.close());
      expect(viaLeader).toBeInstanceOf(LeaderBus);
      expect((viaLeader as LeaderBus).role).toBe('leader');
    } finally {
      globalThis.SharedWorker = saved;
    }
  });
});
