/**
 * NATS transport tests that need control of the server (outage, a small max_payload), TCP, or the absence of
 * WebSocket: Node only. Each file starts its own nats-server and stops it by PID.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection, Status } from '@nats-io/nats-core';
import { connect as connectTcp } from '@nats-io/transport-node';
import * as v from 'valibot';
import { startNatsServer, freePort, type NatsServer } from '../setup/nats-server.mjs';
import { connectNats, createNatsBus, ConnectionFailedError, WebSocketUnavailableError } from '../../src/nats/index.js';
import { Inbox, sleep } from '../portable/conformance/wait.js';

/** Records a connection's status events from now on, and waits for one of a type. */
function statusLog(nc: NatsConnection): { seen: Status['type'][]; waitFor(type: Status['type'], timeoutMs?: number): Promise<void> } {
  const seen: Status['type'][] = [];
  void (async () => {
    for await (const s of nc.status()) seen.push(s.type);
  })();
  return {
    seen,
    async waitFor(type, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!seen.includes(type)) {
        if (Date.now() > deadline) throw new Error(`no ${type} status within ${timeoutMs} ms; saw ${seen.join(', ')}`);
        await sleep(10);
      }
    },
  };
}

const opened: NatsConnection[] = [];
async function open(url: string | string[]): Promise<NatsConnection> {
  const nc = await connectNats(url, { reconnectTimeWait: 100, reconnectJitter: 0, noRandomize: true });
  opened.push(nc);
  return nc;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((nc) => nc.close()));
});

describe('connectNats', () => {
  it('fails fast with unsupported (and says how to fix it) when the runtime has no WebSocket', async () => {
    const saved = globalThis.WebSocket;
    Reflect.deleteProperty(globalThis, 'WebSocket');
    try {
      const error = await connectNats('ws://127.0.0.1:1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebSocketUnavailableError);
      expect(error).toMatchObject({ code: 'unsupported' });
      expect((error as Error).message).toMatch(/--experimental-websocket/);
      expect((error as Error).message).toMatch(/ws/);
    } finally {
      globalThis.WebSocket = saved;
    }
  });

  it('rejects with connection_failed when nothing listens', async () => {
    const port = await freePort();
    const error = await connectNats(`ws://127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionFailedError);
    expect(error).toMatchObject({ code: 'connection_failed', url: `ws://127.0.0.1:${port}` });
  });
});

describe('with a private server', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false, maxPayload: 1024 });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('takes a list of servers: a dead first one is skipped; when all are dead the error names every URL', async () => {
    const dead = `ws://127.0.0.1:${await freePort()}`;
    const nc = await open([dead, server.wsUrl as string]);
    const bus = createNatsBus(nc);
    const inbox = new Inbox();
    await bus.subscribe('list.ok', inbox.push).ready;
    await bus.publish('list.ok', 1);
    await inbox.waitFor(1);
    const dead2 = `ws://127.0.0.1:${await freePort()}`;
    const error = await connectNats([dead, dead2], { noRandomize: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'connection_failed', url: `${dead}, ${dead2}` });
  });

  it('counts headers against max_payload: an exact fit is delivered, one byte more is payload_too_large', async () => {
    const [pubConn, subConn] = await Promise.all([open(server.wsUrl as string), open(server.wsUrl as string)]);
    const pub = createNatsBus(pubConn);
    const sub = createNatsBus(subConn);
    expect(pubConn.info?.max_payload).toBe(1024);
    const inbox = new Inbox();
    await sub.subscribe('limit.x', inbox.push).ready;
    const headers = { 'x-a': 'é' }; // 2 UTF-8 bytes: the estimate must count bytes, not characters
    const headerBytes = 'NATS/1.0'.length + `\r\nNats-Msg-Id: id-1`.length + `\r\nx-a: `.length + 2 + 4;
    const fits = 'y'.repeat(1024 - headerBytes - 2); // JSON adds the two quotes
    await pub.publish('limit.x', fits, { id: 'id-1', headers });
    await expect(pub.publish('limit.x', `${fits}y`, { id: 'id-1', headers })).rejects.toMatchObject({ code: 'payload_too_large', size: 1025, limit: 1024 });
    await pub.publish('limit.x', 'after');
    await inbox.waitFor(2);
    expect(inbox.payloads).toEqual([fits, 'after']);
    expect(pubConn.isClosed()).toBe(false);
  });

  it('validates with a real Standard Schema library (valibot)', async () => {
    const nc = await open(server.wsUrl as string);
    const bus = createNatsBus(nc, { schema: v.object({ n: v.number() }) });
    const errors: unknown[] = [];
    const inbox = new Inbox();
    await bus.subscribe('schema.x', inbox.push, { onError: (e) => errors.push(e) }).ready;
    await bus.publish('schema.x', { n: 'one' });
    await bus.publish('schema.x', { n: 1 });
    await inbox.waitFor(1);
    expect(inbox.payloads).toEqual([{ n: 1 }]);
    expect(errors).toEqual([expect.objectContaining({ code: 'invalid_payload' })]);
  });

  it('works the same over a TCP connection (@nats-io/transport-node), interoperating with WebSocket', async () => {
    const tcp = await connectTcp({ servers: server.tcpUrl });
    opened.push(tcp);
    const ws = await open(server.wsUrl as string);
    const inbox = new Inbox();
    const overTcp = createNatsBus(tcp);
    await overTcp.subscribe('mixed.*', inbox.push).ready;
    await overTcp.respond('mixed.rpc', (m) => `pong ${String(m.payload)}`).ready;
    const overWs = createNatsBus(ws);
    await overWs.publish('mixed.a', { via: 'ws' }, { id: 'w-1', headers: { k: 'v' } });
    const [m] = await inbox.waitFor(1);
    expect(m).toMatchObject({ payload: { via: 'ws' }, id: 'w-1', headers: { k: 'v' } });
    expect((await overWs.request('mixed.rpc', 'ping')).payload).toBe('pong ping');
  });

  it('outage: subscriptions resume after a server restart; a publish during the outage is lost, one after reconnect arrives', async () => {
    const [pubConn, subConn] = await Promise.all([open(server.wsUrl as string), open(server.wsUrl as string)]);
    const pubStatus = statusLog(pubConn);
    const subStatus = statusLog(subConn);
    const pub = createNatsBus(pubConn);
    const sub = createNatsBus(subConn);
    const inbox = new Inbox();
    const subscription = sub.subscribe('outage.x', inbox.push);
    await subscription.ready;
    await pub.publish('outage.x', 'before');
    await inbox.waitFor(1);

    await server.stop();
    await Promise.all([pubStatus.waitFor('disconnect'), subStatus.waitFor('disconnect')]);
    // resolves (nothing to tell the caller: at-most-once), but the message never reaches the server
    await pub.publish('outage.x', 'during');

    await server.restart();
    await Promise.all([pubStatus.waitFor('reconnect'), subStatus.waitFor('reconnect')]);
    await subConn.flush(); // the resubscription is registered
    await pub.publish('outage.x', 'after');
    // one publisher connection delivers in order: a 'during' that got through would be second
    await inbox.waitFor(2);
    expect(inbox.payloads).toEqual(['before', 'after']);
    expect(subscription.isClosed).toBe(false);
    expect(pubConn.isClosed()).toBe(false);
  });
});
