/**
 * Credentials refreshed at every reconnect, against a real nats-server whose accepted token is changed and
 * its config reloaded (SIGHUP by PID): the server drops every client at once and refuses the old token; the
 * client asks its supplier again on each redial, survives the attempts made while the supplier still had
 * the stale token (nats-core would close it for good on the second authorization error), and its
 * subscription keeps receiving once the supplier has the new one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection, Status } from '@nats-io/nats-core';
import { startNatsServer, type NatsServer } from '../setup/nats-server.mjs';
import { connectNats, createNatsBus, watchConnection, type NatsCredentials } from '../../src/nats/index.js';
import { Inbox } from '../portable/conformance/wait.js';
import { until } from '../portable/connection-wait.js';

const tokenConfig = (token: string): string => `authorization { token: "${token}" }`;
const userConfig = (user: string, pass: string): string => `authorization { users: [ { user: "${user}", password: "${pass}" } ] }`;

/** Resolves once `nc` reported `count` authorization errors (as status `error` events). */
function authErrors(nc: NatsConnection, count: number): Promise<number> {
  return (async () => {
    let seen = 0;
    for await (const s of nc.status() as AsyncIterable<Status>) {
      if (s.type === 'error' && /authorization/i.test(String(s.error))) seen++;
      if (seen >= count) return Date.now();
    }
    throw new Error(`connection closed after ${seen} authorization error(s)`);
  })();
}

describe('connectNats credentials supplier, asked at every reconnect', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false, extraConfig: tokenConfig('first'), control: false });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('token: the old token stops working on reload; the supplier’s new one reconnects, the subscription keeps receiving', async () => {
    await server.reload(tokenConfig('first'));
    let current: NatsCredentials = { token: 'first' };
    let asked = 0;
    const nc = await connectNats(server.wsUrl!, {
      credentials: () => (asked++, current),
      reconnectTimeWait: 100,
      reconnectJitter: 0,
    });
    const watch = watchConnection(nc, { rttIntervalMs: 0 });
    try {
      expect(asked).toBe(1);
      const inbox = new Inbox();
      const bus = createNatsBus(nc);
      await bus.subscribe('creds.>', inbox.push).ready;

      // the token changes on the server; the app has not learnt the new one yet
      const refused = authErrors(nc, 2);
      const reloadedAt = Date.now();
      await server.reload(tokenConfig('second'));
      const dropped = await until(watch, (s) => s.state === 'reconnecting');
      await refused; // two stale attempts in a row: nats-core alone would have closed the client here
      expect(nc.isClosed()).toBe(false);
      expect(watch.lastError?.message).toMatch(/authorization/i);
      await expect(connectNats(server.wsUrl!, { credentials: () => ({ token: 'first' }), maxReconnectAttempts: 0 })).rejects.toMatchObject({ code: 'connection_failed' });

      const renewedAt = Date.now();
      current = { token: 'second' };
      const back = await until(watch, (s) => s.state === 'connected');
      console.log(`[nats-credentials] token: dropped ${dropped.since - reloadedAt} ms after the reload; back ${back.since - renewedAt} ms after the new token; supplier asked ${asked} times`);
      expect(back.since - renewedAt).toBeLessThan(2000);
      // first connect, at least one refused redial (the drop itself was the first authorization error), the one that worked
      expect(asked).toBeGreaterThanOrEqual(3);

      const sender = await connectNats(server.wsUrl!, { credentials: () => ({ token: 'second' }) });
      try {
        await nc.flush();
        await createNatsBus(sender).publish('creds.after', 'fresh');
        expect((await inbox.waitFor(1))[0]?.payload).toBe('fresh');
      } finally {
        await sender.close();
      }
      await bus.close();
    } finally {
      watch.close();
      await nc.close();
    }
  }, 20_000);

  it('why ignoreAuthErrorAbort is set: with nats-core’s default the same reload closes the client for good', async () => {
    await server.reload(tokenConfig('first'));
    let current: NatsCredentials = { token: 'first' };
    const nc = await connectNats(server.wsUrl!, { credentials: () => current, ignoreAuthErrorAbort: false, reconnectTimeWait: 100, reconnectJitter: 0 });
    const watch = watchConnection(nc, { rttIntervalMs: 0 });
    try {
      await server.reload(tokenConfig('second'));
      const closed = await until(watch, (s) => s.state === 'closed');
      current = { token: 'second' }; // too late: nobody asks any more
      expect(closed.lastError?.message).toMatch(/authorization/i);
      expect(nc.isClosed()).toBe(true);
    } finally {
      watch.close();
      await nc.close();
    }
  });

  it('user + password: the supplier’s new password is used on the reconnect the reload forced', async () => {
    await server.reload(userConfig('app', 'pw1'));
    let current: NatsCredentials = { user: 'app', pass: 'pw1' };
    const nc = await connectNats(server.wsUrl!, { credentials: () => current, reconnectTimeWait: 100, reconnectJitter: 0 });
    const watch = watchConnection(nc, { rttIntervalMs: 0 });
    try {
      const inbox = new Inbox();
      await createNatsBus(nc).subscribe('creds.user', inbox.push).ready;
      current = { user: 'app', pass: 'pw2' }; // refreshed before the server moves: not one refused attempt
      const down = until(watch, (s) => s.state === 'reconnecting');
      await server.reload(userConfig('app', 'pw2'));
      await down;
      await until(watch, (s) => s.state === 'connected');
      await nc.flush();
      await createNatsBus(nc).publish('creds.user', 'still here');
      expect((await inbox.waitFor(1))[0]?.payload).toBe('still here');
    } finally {
      watch.close();
      await nc.close();
    }
  }, 20_000);

  it('a supplier that throws: the previous credentials are presented again and the client stays open', async () => {
    await server.reload(tokenConfig('steady'));
    let fail = false;
    const nc = await connectNats(server.wsUrl!, {
      credentials: () => {
        if (fail) throw new Error('token service down');
        return { token: 'steady' };
      },
      reconnectTimeWait: 100,
      reconnectJitter: 0,
    });
    const watch = watchConnection(nc, { rttIntervalMs: 0 });
    try {
      fail = true;
      const reconnected = until(watch, (s) => s.state === 'reconnecting').then(() => until(watch, (s) => s.state === 'connected'));
      await nc.reconnect();
      await reconnected;
      expect(nc.isClosed()).toBe(false);
    } finally {
      watch.close();
      await nc.close();
    }
  }, 20_000);
});
