/**
 * One connection state for UIs, in every runtime: `watchConnection` follows a real connection to a dedicated
 * nats-server (started, killed and restarted through the test setup's control endpoint) from `connecting` to
 * `connected` (with a round-trip time), `reconnecting` when the server dies, `connected` again, and `closed`.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectNats, createNatsBus, watchConnection } from '../../src/nats/index.js';
import { until } from './connection-wait.js';
import { Inbox } from './conformance/wait.js';

async function control<T>(path: string): Promise<T> {
  const res = await fetch(`${inject('natsControlUrl')}${path}`, { method: 'POST' });
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

describe('watchConnection (nats)', () => {
  let server: { id: string; wsUrl: string };
  beforeAll(async () => {
    server = await control('/servers');
  });
  afterAll(async () => {
    await control(`/servers/${server.id}/dispose`);
  });

  it('shows connecting → connected (with rtt) → reconnecting on a server kill → connected → closed', async () => {
    const opening = connectNats(server.wsUrl, { reconnectTimeWait: 100, reconnectJitter: 0 });
    const watch = watchConnection(opening);
    const seen: string[] = [];
    watch.subscribe((s) => {
      if (seen.at(-1) !== s.state) seen.push(s.state);
    });
    expect(watch.state).toBe('connecting');
    const nc = await opening;
    try {
      const up = await until(watch, (s) => s.state === 'connected' && s.rttMs !== undefined);
      expect(up.rttMs).toBeGreaterThanOrEqual(0);
      expect(up.rttMs).toBeLessThan(1000);
      expect(up.lastError).toBeUndefined();

      const inbox = new Inbox();
      const bus = createNatsBus(nc);
      await bus.subscribe('state.>', inbox.push).ready;
      const down = until(watch, (s) => s.state === 'reconnecting');
      const restart = control(`/servers/${server.id}/restart`);
      await down;
      await restart;
      const back = await until(watch, (s) => s.state === 'connected');
      expect(back.since).toBeGreaterThan(up.since);
      await bus.publish('state.after', 1);
      await inbox.waitFor(1);

      await nc.close();
      const closed = await until(watch, (s) => s.state === 'closed');
      expect(closed.lastError).toBeUndefined(); // closed by the app: nothing went wrong
      expect(seen).toEqual(['connecting', 'connected', 'reconnecting', 'connected', 'closed']);
      watch.close();
    } finally {
      await nc.close();
    }
  }, 15_000);

  it('is closed, with the typed error as lastError, when the connection never opens', async () => {
    const dead = await control<{ id: string; wsUrl: string }>('/servers');
    await control(`/servers/${dead.id}/dispose`); // its port is closed now
    const watch = watchConnection(connectNats(dead.wsUrl, { maxReconnectAttempts: 0 }));
    const closed = await until(watch, (s) => s.state === 'closed');
    expect(closed.lastError).toMatchObject({ code: 'connection_failed' });
  });

  it('a listener that throws does not stop the others; close() stops every listener', async () => {
    const nc = await connectNats(server.wsUrl);
    try {
      const watch = watchConnection(nc, { rttIntervalMs: 0 });
      const calls: string[] = [];
      // the broken listener is reported on console.error (the shim of Deno/workerd has no vi.spyOn)
      const reported: unknown[][] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => void reported.push(args);
      try {
        watch.subscribe(() => {
          throw new Error('broken UI');
        });
        watch.subscribe((s) => void calls.push(s.state));
        await until(watch, (s) => s.rttMs !== undefined);
        expect(calls.length).toBeGreaterThanOrEqual(2); // the initial snapshot, then the rtt
        expect(reported[0]?.[0]).toBe('[isoflux] connection state listener failed:');
        expect((reported[0]?.[1] as Error).message).toBe('broken UI');
      } finally {
        console.error = original;
      }
      // Barrier: a second watch, made after the first, sees the same close after it would have.
      const witness = watchConnection(nc, { rttIntervalMs: 0 });
      watch.close();
      const before = calls.length;
      await nc.close();
      await until(witness, (s) => s.state === 'closed');
      witness.close();
      expect(calls.length).toBe(before);
    } finally {
      await nc.close();
    }
  });
});
