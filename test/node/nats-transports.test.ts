/**
 * One Node process with NATS connections over WebSocket (connectNats) and over TCP (@nats-io/transport-node):
 * nats-core keeps one transport factory per process, so without isoflux's router the last `connect` decides
 * how every connection redials. Kill nats-server, start it again on the same ports: both kinds must be back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection, Status } from '@nats-io/nats-core';
import { connect as connectTcp } from '@nats-io/transport-node';
import { startNatsServer, type NatsServer } from '../setup/nats-server.mjs';
import { connectNats, createNatsBus } from '../../src/nats/index.js';
import { Inbox } from '../portable/conformance/wait.js';

/** Resolves with the time of the next `reconnect` status of `nc`. */
function nextReconnect(nc: NatsConnection): Promise<number> {
  return (async () => {
    for await (const s of nc.status() as AsyncIterable<Status>) if (s.type === 'reconnect') return Date.now();
    throw new Error('connection closed before it reconnected');
  })();
}

/** A round trip through a bus on `nc`: a respond + request on a fresh subject, and a subscription seeing a publish. */
async function works(nc: NatsConnection, subject: string): Promise<void> {
  const bus = createNatsBus(nc);
  try {
    await bus.respond(`${subject}.rpc`, (m) => `re:${String(m.payload)}`).ready;
    expect((await bus.request(`${subject}.rpc`, 'x', { timeoutMs: 2000 })).payload).toBe('re:x');
  } finally {
    await bus.close();
  }
}

let server: NatsServer;
const opened: NatsConnection[] = [];
beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
});
afterAll(async () => {
  await server.dispose();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((nc) => nc.close()));
});

const ws = async (): Promise<NatsConnection> => {
  const nc = await connectNats(server.wsUrl as string, { reconnectTimeWait: 100, reconnectJitter: 0 });
  opened.push(nc);
  return nc;
};
const tcp = async (): Promise<NatsConnection> => {
  const nc = await connectTcp({ servers: server.tcpUrl, reconnectTimeWait: 100, reconnectJitter: 0, maxReconnectAttempts: -1 });
  opened.push(nc);
  return nc;
};

describe('WebSocket and TCP connections in one process', () => {
  for (const order of ['tcp first', 'websocket first'] as const) {
    it(`both reconnect within 2 s of a server restart (${order}), and carry messages between each other`, async () => {
      const [a, b] = order === 'tcp first' ? [await tcp(), await ws()] : [await ws(), await tcp()];
      const [overTcp, overWs] = order === 'tcp first' ? [a, b] : [b, a];
      await works(overTcp, `mix.${order.split(' ')[0]}.tcp0`);
      await works(overWs, `mix.${order.split(' ')[0]}.ws0`);

      for (let round = 1; round <= 2; round++) {
        const reconnected = Promise.all([nextReconnect(overTcp), nextReconnect(overWs)]);
        await server.kill();
        await server.start();
        const restarted = Date.now();
        const [tcpAt, wsAt] = await reconnected;
        expect(tcpAt - restarted).toBeLessThan(2000);
        expect(wsAt - restarted).toBeLessThan(2000);
        await works(overTcp, `mix.${order.split(' ')[0]}.tcp${round}`);
        await works(overWs, `mix.${order.split(' ')[0]}.ws${round}`);
      }
      // across transports: a TCP subscriber sees a WebSocket publish
      const inbox = new Inbox();
      const sub = createNatsBus(overTcp).subscribe('mix.cross', inbox.push);
      await sub.ready;
      await createNatsBus(overWs).publish('mix.cross', 'over ws');
      expect((await inbox.waitFor(1))[0]?.payload).toBe('over ws');
    }, 20_000);
  }
});
