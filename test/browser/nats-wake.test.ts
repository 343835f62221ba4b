/**
 * Sleep and wake in Chromium. A loopback proxy (test setup's control endpoint) sits between the page and a
 * dedicated nats-server; black-holing it is what a sleeping laptop does to an open socket: the WebSocket
 * still reads OPEN, nothing answers, nothing resets. Restoring it lets new connections through while the old
 * socket stays dead. Then a page lifecycle event (`visibilitychange`, `online`) must bring the connection
 * back, subscriptions included, within 2 s; and without any event the pings must notice and redial without
 * waiting for Chromium's ~60 s closing handshake.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { NatsConnection, Status } from '@nats-io/nats-core';
import { connectNats, createNatsBus, type WakeCheckResult } from '../../src/nats/index.js';
import { Inbox } from '../portable/conformance/wait.js';

async function control<T>(path: string): Promise<T> {
  const res = await fetch(`${inject('natsControlUrl')}${path}`, { method: 'POST' });
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Resolves with the time of `nc`'s next `reconnect`, or rejects after `timeoutMs`. */
function nextReconnect(nc: NatsConnection, timeoutMs: number): Promise<number> {
  const iterator = nc.status() as AsyncIterable<Status> & { stop(): void };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (iterator.stop(), reject(new Error(`no reconnect within ${timeoutMs} ms`))), timeoutMs);
    void (async () => {
      for await (const s of iterator) {
        if (s.type !== 'reconnect') continue;
        clearTimeout(timer);
        iterator.stop();
        return resolve(Date.now());
      }
    })();
  });
}

describe('nats over a black-holed socket, woken by page lifecycle events', () => {
  let server: { id: string; wsUrl: string };
  let proxy: { proxyId: string; wsUrl: string };
  const opened: NatsConnection[] = [];
  beforeEach(async () => {
    server = await control('/servers');
    proxy = await control(`/servers/${server.id}/proxy`);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((nc) => nc.close()));
    await control(`/proxies/${proxy.proxyId}/dispose`);
    await control(`/servers/${server.id}/dispose`);
  });

  /** A subscribed connection through the proxy, a direct one to publish with, and the checks seen. */
  const setUp = async (options: Parameters<typeof connectNats>[1] = {}) => {
    const checks: WakeCheckResult[] = [];
    const nc = await connectNats(proxy.wsUrl, { reconnectTimeWait: 200, reconnectJitter: 0, wakeCheck: { onCheck: (r) => void checks.push(r) }, ...options });
    const direct = await connectNats(server.wsUrl);
    opened.push(nc, direct);
    const inbox = new Inbox();
    await createNatsBus(nc).subscribe('wake.>', inbox.push).ready;
    const publisher = createNatsBus(direct);
    await publisher.publish('wake.before', 0);
    await inbox.waitFor(1);
    return { nc, inbox, publisher, checks };
  };

  for (const [name, wake] of [
    ['visibilitychange', () => document.dispatchEvent(new Event('visibilitychange'))],
    ['online', () => window.dispatchEvent(new Event('online'))],
  ] as const) {
    it(`${name}: the connection and its subscription are back within 2 s of the wake-up`, async () => {
      const { nc, inbox, publisher, checks } = await setUp();
      await control(`/proxies/${proxy.proxyId}/blackhole`);
      await publisher.publish('wake.lost', -1); // into the black hole: never delivered
      await control(`/proxies/${proxy.proxyId}/restore`); // new connections pass; the old socket stays dead
      expect(nc.isClosed()).toBe(false);

      const reconnected = nextReconnect(nc, 5000);
      const wokeAt = Date.now();
      wake();
      const reconnectAt = await reconnected;
      await nc.flush(); // the re-sent SUB is at the server
      await publisher.publish('wake.after', 1);
      await inbox.waitFor(2);
      const deliveredAt = Date.now();
      console.log(`[nats-wake] ${name}: reconnect ${reconnectAt - wokeAt} ms, first message ${deliveredAt - wokeAt} ms after the wake-up`);
      expect(inbox.payloads).toEqual([0, 1]);
      expect(reconnectAt - wokeAt).toBeLessThan(2000);
      expect(deliveredAt - wokeAt).toBeLessThan(2000);
      expect(checks).toMatchObject([{ trigger: name, alive: false }]);
    }, 15_000);
  }

  it('a wake-up on a healthy connection costs one PING and no reconnect', async () => {
    const { nc, checks } = await setUp();
    const reconnected = nextReconnect(nc, 1500).then(() => 'reconnected', () => 'kept');
    document.dispatchEvent(new Event('visibilitychange'));
    expect(await reconnected).toBe('kept');
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ trigger: 'visibilitychange', alive: true });
    expect(checks[0]!.ms).toBeLessThan(500);
  });

  it('without a wake-up, pings find the dead socket and the redial does not wait for Chromium’s ~60 s close', async () => {
    const { nc, inbox, publisher } = await setUp({ pingInterval: 1000, maxPingOut: 2 });
    await control(`/proxies/${proxy.proxyId}/blackhole`);
    const { at: holedAt } = await control<{ at: number }>(`/proxies/${proxy.proxyId}/restore`);
    const reconnectAt = await nextReconnect(nc, 10_000);
    await nc.flush();
    await publisher.publish('wake.after', 1);
    await inbox.waitFor(2);
    console.log(`[nats-wake] no event, pingInterval 1000 ms × maxPingOut 2: reconnect ${reconnectAt - holedAt} ms after the black hole`);
    expect(reconnectAt - holedAt).toBeLessThan(6000);
  }, 20_000);
});
