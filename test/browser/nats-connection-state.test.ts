/**
 * The connection state for UIs in Chromium: one NATS connection hosted in a SharedWorker, its state seen by
 * every tab's `WorkerBus.connection` (two sessions on one page are what two tabs get), through a real
 * server kill and restart; `offline` when the browser reports no network; `closed` when the worker dies.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { connectNats, watchConnection } from '../../src/nats/index.js';
import { connectWorkerBus, type WorkerBus } from '../../src/worker/index.js';
import { until } from '../portable/connection-wait.js';
import { Inbox } from '../portable/conformance/wait.js';

async function control<T>(path: string): Promise<T> {
  const res = await fetch(`${inject('natsControlUrl')}${path}`, { method: 'POST' });
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const fixture = (ws: string): URL => {
  const url = new URL('./fixtures/nats-worker.ts', import.meta.url);
  url.searchParams.set('ws', ws);
  return url;
};

describe('connection state of a NATS connection shared through a worker', () => {
  let server: { id: string; wsUrl: string };
  const cleanup: Array<() => unknown> = [];
  beforeEach(async () => {
    server = await control('/servers');
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
    await control(`/servers/${server.id}/dispose`);
  });

  it('every tab sees connected (with rtt), reconnecting on a server kill, then connected again', async () => {
    const worker = new SharedWorker(fixture(server.wsUrl), { type: 'module', name: `nats-state-${server.id}` });
    const tabs: WorkerBus[] = [];
    for (let i = 0; i < 2; i++) {
      const tab = await connectWorkerBus(worker, { callTimeoutMs: 5000 });
      cleanup.push(() => tab.close());
      tabs.push(tab);
    }
    for (const tab of tabs) await until(tab.connection, (s) => s.state === 'connected' && s.rttMs !== undefined);
    const inbox = new Inbox();
    await tabs[1]!.subscribe('shared.>', inbox.push).ready;

    const seen = tabs.map((tab) => {
      const states: string[] = [];
      tab.connection.subscribe((s) => void (states.at(-1) !== s.state && states.push(s.state)));
      return states;
    });
    const down = Promise.all(tabs.map((tab) => until(tab.connection, (s) => s.state === 'reconnecting')));
    await control(`/servers/${server.id}/restart`);
    await down;
    await Promise.all(tabs.map((tab) => until(tab.connection, (s) => s.state === 'connected')));
    expect(seen).toEqual([
      ['connected', 'reconnecting', 'connected'],
      ['connected', 'reconnecting', 'connected'],
    ]);
    expect(tabs[0]!.connection.current).toEqual(tabs[1]!.connection.current);
    await tabs[0]!.publish('shared.after', 1);
    await inbox.waitFor(1);
  }, 15_000);

  it('a tab sees closed, with the reason, when the worker dies', async () => {
    const worker = new Worker(fixture(server.wsUrl), { type: 'module' });
    cleanup.push(() => worker.terminate());
    const tab = await connectWorkerBus(worker, { callTimeoutMs: 5000 });
    await until(tab.connection, (s) => s.state === 'connected');
    worker.terminate();
    const closed = await until(tab.connection, (s) => s.state === 'closed');
    expect(closed.lastError).toMatchObject({ name: 'WorkerGoneError' });
  });

  it('offline while the browser reports no network, whatever the socket says; back when it is online', async () => {
    const nc = await connectNats(server.wsUrl);
    cleanup.push(() => nc.close());
    const watch = watchConnection(nc, { rttIntervalMs: 0 });
    cleanup.push(() => watch.close());
    await until(watch, (s) => s.state === 'connected');
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false });
    cleanup.push(() => delete (navigator as { onLine?: boolean }).onLine);
    window.dispatchEvent(new Event('offline'));
    expect(watch.state).toBe('offline');
    delete (navigator as { onLine?: boolean }).onLine;
    window.dispatchEvent(new Event('online'));
    await until(watch, (s) => s.state === 'connected');
  });
});
