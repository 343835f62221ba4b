/**
 * Reconnect in every runtime: nats-server is killed and started again on the same ports (through the test
 * setup's control endpoint, as Chromium, Deno and workerd cannot spawn it), and core subscriptions, requests,
 * JetStream publishes and a JetStream subscription work again on the same connection within 2 s.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats, createNatsBus } from '../../src/nats/index.js';
import { createJetStreamPublisher, createJetStreamSubscriber, ensureStream } from '../../src/jetstream/index.js';
import { Inbox, sleep } from './conformance/wait.js';

interface Dedicated {
  id: string;
  wsUrl: string;
}

async function control<T>(path: string): Promise<T> {
  const res = await fetch(`${inject('natsControlUrl')}${path}`, { method: 'POST' });
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Resolves with the time of the next `reconnect` status of `nc`. */
async function nextReconnect(nc: NatsConnection): Promise<number> {
  for await (const s of nc.status()) if (s.type === 'reconnect') return Date.now();
  throw new Error('the connection closed instead of reconnecting');
}

/** Retries `fn` until it succeeds; returns when it did (epoch ms). */
async function eventually(fn: () => Promise<unknown>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fn();
      return Date.now();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}

describe('nats reconnect after a server kill + restart', () => {
  let server: Dedicated;
  beforeAll(async () => {
    server = await control<Dedicated>('/servers');
  });
  afterAll(async () => {
    await control(`/servers/${server.id}/dispose`);
  });

  it('core and JetStream subscriptions and requests work again within 2 s, on the same connection', async () => {
    const nc = await connectNats(server.wsUrl); // isoflux's defaults: reconnect forever, 1 s apart
    try {
      const bus = createNatsBus(nc);
      const core = new Inbox();
      await bus.subscribe('rc.core.>', core.push).ready;
      await bus.respond('rc.rpc', (m) => `pong ${String(m.payload)}`).ready;
      await ensureStream(nc, { name: 'RC', subjects: ['rc.js.>'] });
      const js = createJetStreamPublisher(nc);
      const jsSub = createJetStreamSubscriber(nc, { stream: 'RC' });
      const durable = new Inbox();
      await jsSub.subscribe('rc.js.>', durable.push, { durable: 'rc-survivor' }).ready;
      await bus.publish('rc.core.before', 0);
      await js.publish('rc.js.before', 0);
      await Promise.all([core.waitFor(1), durable.waitFor(1, 5000)]);

      const reconnected = nextReconnect(nc);
      const { restartedAt } = await control<{ restartedAt: number }>(`/servers/${server.id}/restart`);
      const reconnectAt = await reconnected;
      const requestAt = await eventually(() => bus.request('rc.rpc', 'again', { timeoutMs: 500 }), 5000);
      const jsAt = await eventually(() => js.publish('rc.js.after', 1, { id: 'rc-after-1', timeoutMs: 500 }), 5000);
      await bus.publish('rc.core.after', 1);
      await core.waitFor(2);
      const coreAt = Date.now();
      await durable.waitFor(2, 5000);
      const durableAt = Date.now();
      const took = { reconnect: reconnectAt - restartedAt, request: requestAt - restartedAt, core: coreAt - restartedAt, jetstreamPublish: jsAt - restartedAt, jetstreamSubscription: durableAt - restartedAt };
      console.log(`[nats-reconnect] ms after restart: ${JSON.stringify(took)}`);
      expect(core.payloads).toEqual([0, 1]);
      expect(durable.payloads).toEqual([0, 1]);
      for (const ms of Object.values(took)) expect(ms).toBeLessThan(2000);
      expect(nc.isClosed()).toBe(false);
      await jsSub.close();
      await bus.close();
    } finally {
      await nc.close();
    }
  }, 20_000);
});
