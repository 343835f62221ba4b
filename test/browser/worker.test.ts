import { afterEach, describe, expect, it, vi } from 'vitest';
import { NoRespondersError, RemoteError, tap, type Message, type TapEvent } from '../../src/index.js';
import { connectWorkerBus, WorkerGoneError, type WorkerBus } from '../../src/worker/index.js';
import { afterMarker, Inbox, MARKER, real } from '../portable/conformance/wait.js';
import { until } from '../portable/waits.js';

const workerUrl = new URL('./fixtures/bus-worker.ts', import.meta.url);
const stats = async (bus: WorkerBus): Promise<{ sessions: number; subscriptions: number }> =>
  (await bus.request<{ sessions: number; subscriptions: number }>('host.stats', null)).payload;

describe('worker bus (dedicated Worker, via comlink)', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const start = async (): Promise<{ worker: Worker; bus: WorkerBus }> => {
    const worker = new Worker(workerUrl, { type: 'module' });
    cleanup.push(() => worker.terminate());
    const bus = await connectWorkerBus(worker, { callTimeoutMs: 3000 });
    cleanup.push(() => bus.close());
    return { worker, bus };
  };

  it('publishes and subscribes through the worker, with wildcards, headers and ids intact', async () => {
    const { bus } = await start();
    const inbox = new Inbox();
    await bus.subscribe('orders.>', inbox.push).ready;
    await bus.publish('orders.eu.created', { total: 42 }, { headers: { 'x-tenant': 't1' }, id: 'o-1' });
    await bus.publish('users.created', 'ignored');
    await bus.publish('orders.end', 'end'); // barrier: the worker delivers one tab's publishes in order
    const [m] = await inbox.waitFor(2);
    expect(m).toMatchObject({ subject: 'orders.eu.created', payload: { total: 42 }, headers: { 'x-tenant': 't1' }, id: 'o-1' });
    expect(inbox.payloads).toEqual([{ total: 42 }, 'end']);
  });

  it('sends a tick of publishes in one call, each settling on its own and in order', async () => {
    const { bus } = await start();
    const inbox = new Inbox();
    await bus.subscribe('n', inbox.push).ready;
    const publishes = Array.from({ length: 200 }, (_, i) => bus.publish('n', i));
    const bad = bus.publish('n', { fn: () => 1 });
    await Promise.all(publishes);
    await expect(bad).rejects.toMatchObject({ code: 'not_serializable' });
    await inbox.waitFor(200);
    expect(inbox.payloads).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('answers requests from the worker and from a responder in the tab; errors keep class, code and fields', async () => {
    const { bus } = await start();
    expect(await stats(bus)).toEqual({ sessions: 1, subscriptions: 0 });
    await bus.respond('math.double', (m: Message<unknown>) => (m.payload as number) * 2).ready;
    expect((await bus.request('math.double', 21)).payload).toBe(42);
    await bus.respond('math.fail', () => {
      throw new Error('division by zero');
    }, { onError: () => undefined }).ready;
    const remote = await bus.request('math.fail', 1).catch((e: unknown) => e);
    expect(remote).toBeInstanceOf(RemoteError);
    expect(remote).toMatchObject({ code: 'remote_error', remoteCode: 'handler_error', subject: 'math.fail' });
    const none = await bus.request('nobody.home', 1).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(NoRespondersError);
    expect(none).toMatchObject({ code: 'no_responders', subject: 'nobody.home' });
    await expect(bus.request('host.slow', 500, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'timeout', timeoutMs: 50 });
  });

  it('a tab responder is asked by the worker: its tab closing mid-answer fails the request at once', async () => {
    const { worker, bus: requester } = await start();
    const answering = await connectWorkerBus(worker, { callTimeoutMs: 3000 });
    let asked!: () => void;
    const wasAsked = new Promise<void>((resolve) => (asked = resolve));
    await answering.respond('tab.hang', () => (asked(), new Promise(() => undefined))).ready;
    const pending = requester.request('tab.hang', 1, { timeoutMs: 8000 }).catch((e: unknown) => e);
    await wasAsked;
    const began = Date.now();
    await answering.close();
    expect(await pending).toMatchObject({ code: 'remote_error', remoteCode: 'closed', subject: 'tab.hang' });
    expect(Date.now() - began).toBeLessThan(2000);
  });

  it('carries AbortSignal lifetimes across: an aborted subscription or request is released in the worker', async () => {
    const { bus } = await start();
    const controller = new AbortController();
    await bus.subscribe('a', () => undefined, { signal: controller.signal }).ready;
    await bus.subscribe('b', () => undefined).ready;
    expect((await stats(bus)).subscriptions).toBe(2);
    controller.abort();
    await until(async () => (await stats(bus)).subscriptions === 1, { what: 'the aborted subscription released in the worker' });
    const requestAbort = new AbortController();
    const pending = bus.request('host.slow', 2000, { signal: requestAbort.signal, timeoutMs: 5000 });
    requestAbort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  });

  it('fails pending calls at once with closed when the worker dies, and ends subscriptions with that error', async () => {
    const { worker, bus } = await start();
    const errors: unknown[] = [];
    const subscription = bus.subscribe('x', () => undefined, { onError: (e) => errors.push(e) });
    await subscription.ready;
    const pending = bus.request('host.slow', 10_000, { timeoutMs: 20_000 });
    const began = Date.now();
    worker.terminate();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerGoneError);
    expect(error).toMatchObject({ code: 'closed' });
    expect(Date.now() - began).toBeLessThan(2000);
    await subscription.closed;
    expect(errors).toEqual([expect.objectContaining({ code: 'closed' })]);
    await expect(bus.publish('x', 1)).rejects.toBeInstanceOf(WorkerGoneError);
  });

  it('is tappable: tap() sees what this tab published, what failed and what was delivered to it', async () => {
    const { bus } = await start();
    const events: TapEvent[] = [];
    const stop = tap(bus, (e) => events.push(e));
    const inbox = new Inbox();
    await bus.subscribe('tapped.*', inbox.push).ready;
    await bus.publish('tapped.one', { n: 1 }, { id: 't-1' });
    await expect(bus.publish('tapped.bad', { fn: () => 1 })).rejects.toMatchObject({ code: 'not_serializable' });
    await inbox.waitFor(1);
    await until(() => events.some((e) => e.kind === 'delivered'), { what: 'a delivered event' });
    expect(events.find((e) => e.kind === 'published')).toMatchObject({ system: 'worker', subject: 'tapped.one', id: 't-1', payload: { n: 1 } });
    expect(events.find((e) => e.kind === 'failed')).toMatchObject({ system: 'worker', subject: 'tapped.bad', reason: 'not_serializable' });
    expect(events.find((e) => e.kind === 'delivered')).toMatchObject({ system: 'worker', subject: 'tapped.one', id: 't-1', pattern: 'tapped.*', payload: { n: 1 } });
    stop();
    const before = events.length;
    await bus.publish('tapped.two', 2);
    await inbox.waitFor(2);
    expect(events).toHaveLength(before);
  });

  it('closes when its signal aborts, and a bus closed first removes its listener from the signal', async () => {
    const worker = new Worker(workerUrl, { type: 'module' });
    cleanup.push(() => worker.terminate());
    const aborting = new AbortController();
    const first = await connectWorkerBus(worker, { signal: aborting.signal });
    aborting.abort();
    await until(() => first.isClosed, { what: 'the bus closed by its signal' });
    await expect(first.publish('x', 1)).rejects.toMatchObject({ code: 'closed' });
    const kept = new AbortController();
    const removed = vi.spyOn(kept.signal, 'removeEventListener');
    const second = await connectWorkerBus(worker, { signal: kept.signal });
    await second.close();
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
    await expect(connectWorkerBus(worker, { callTimeoutMs: -1 })).rejects.toMatchObject({ code: 'invalid_argument', option: 'callTimeoutMs' });
  });

  it('fails to connect with connection_failed, not a hang, when the worker does not expose a bus', async () => {
    const worker = new Worker(new URL('./fixtures/silent-worker.ts', import.meta.url), { type: 'module' });
    cleanup.push(() => worker.terminate());
    await expect(connectWorkerBus(worker, { callTimeoutMs: 300 })).rejects.toMatchObject({ code: 'connection_failed' });
  });
});

describe('worker bus (SharedWorker: one bus for every tab)', () => {
  it('serves several connections from one bus, with queue groups across them, and releases a closed one', async () => {
    const name = `shared-${Date.now()}`;
    const shared = () => new SharedWorker(workerUrl, { type: 'module', name });
    const a = await connectWorkerBus(shared());
    const b = await connectWorkerBus(shared());
    try {
      const all = new Inbox();
      const workers = [new Inbox(), new Inbox()];
      await Promise.all([a.subscribe('jobs.*', workers[0]!.push, { queue: 'w' }).ready, b.subscribe('jobs.*', workers[1]!.push, { queue: 'w' }).ready, b.subscribe('jobs.*', all.push).ready]);
      for (let i = 0; i < 40; i++) void a.publish('jobs.run', i);
      await all.waitFor(40);
      // Barrier: a marker reaches each member after any copy of the jobs published before it
      await afterMarker(() => a.publish('jobs.run', MARKER), workers);
      const handled = [...real(workers[0]!), ...real(workers[1]!)] as number[];
      expect(handled.sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      expect(await stats(a)).toEqual({ sessions: 2, subscriptions: 3 });
      await b.close();
      expect(await stats(a)).toEqual({ sessions: 1, subscriptions: 1 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
