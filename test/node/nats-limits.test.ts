/**
 * Server limits before the wire, against real nats-servers: the control line (`max_control_line`) and
 * subscriptions the server refuses (subscribe permissions). Node only: each suite starts its own server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { wsconnect, type NatsConnection, type Status } from '@nats-io/nats-core';
import { startNatsServer, type NatsServer } from '../setup/nats-server.mjs';
import { connectNats, ControlLineTooLongError, createNatsBus, SubscriptionRefusedError, type ConnectNatsOptions } from '../../src/nats/index.js';
import { InvalidSubjectError } from '../../src/index.js';
import { Inbox, sleep } from '../portable/conformance/wait.js';
import { turn } from '../portable/waits.js';

/** Counts a connection's status events by type from now on. */
function statusCounter(nc: NatsConnection): Map<Status['type'], number> {
  const counts = new Map<Status['type'], number>();
  void (async () => {
    for await (const s of nc.status()) counts.set(s.type, (counts.get(s.type) ?? 0) + 1);
  })();
  return counts;
}

/** Resolves at the next status event of `type`. */
async function nextStatus(nc: NatsConnection, type: Status['type']): Promise<void> {
  for await (const s of nc.status()) if (s.type === type) return;
}

const opened: NatsConnection[] = [];
async function open(url: string, options: ConnectNatsOptions = {}): Promise<NatsConnection> {
  const nc = await connectNats(url, { reconnectTimeWait: 100, reconnectJitter: 0, ...options });
  opened.push(nc);
  return nc;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((nc) => nc.close()));
});

/** A subject of `bytes` UTF-8 bytes: `a.` then `b`s. */
const subjectOf = (bytes: number): string => `a.${'b'.repeat(bytes - 2)}`;

describe('max_control_line', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('the server itself counts the PUB arguments: 4096 bytes pass, 4097 close the connection (what isoflux mirrors)', async () => {
    const raw = await wsconnect({ servers: server.wsUrl as string, reconnect: false });
    const data = new Uint8Array(1); // `PUB <subject> 1`: subject + 2 bytes
    raw.publish(subjectOf(4094), data);
    await raw.flush();
    expect(raw.isClosed()).toBe(false);
    raw.publish(subjectOf(4095), data);
    await raw.closed(); // the server closes it (else the test times out)
    expect(raw.isClosed()).toBe(true);
  });

  it('a publish whose PUB/HPUB line is too long is refused before sending; the exact fit is delivered', async () => {
    const [pubConn, subConn] = await Promise.all([open(server.wsUrl as string), open(server.wsUrl as string)]);
    const status = statusCounter(pubConn);
    const lean = createNatsBus(pubConn, { messageIds: 'explicit', codec: { name: 'bytes', encode: (v) => v as Uint8Array, decode: (b) => b } });
    const inbox = new Inbox();
    const sub = createNatsBus(subConn, { codec: { name: 'bytes', encode: (v) => v as Uint8Array, decode: (b) => b } });
    await sub.subscribe('a.>', inbox.push).ready;
    await lean.publish(subjectOf(4094), new Uint8Array(1)); // PUB: subject + ' 1' = 4096
    const error = await lean.publish(subjectOf(4095), new Uint8Array(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlLineTooLongError);
    expect(error).toBeInstanceOf(InvalidSubjectError);
    expect(error).toMatchObject({ code: 'invalid_subject', verb: 'PUB', length: 4097, limit: 4096 });
    expect((error as Error).message).toMatch(/max_control_line of 4096/);
    expect((error as Error).message).toMatch(/maxControlLine/);
    expect((error as Error).message.length).toBeLessThan(600); // the subject is shortened in the message
    // with an id the line is HPUB <subject> <hdrlen> <total>
    await expect(createNatsBus(pubConn).publish(subjectOf(4093), 1)).rejects.toMatchObject({ code: 'invalid_subject', verb: 'HPUB' });
    await inbox.waitFor(1);
    expect(inbox.messages[0]?.subject).toBe(subjectOf(4094));
    expect(pubConn.isClosed()).toBe(false);
    expect(status.get('disconnect') ?? 0).toBe(0);
  });

  it('a subscription too long for the SUB line throws invalid_subject and the connection keeps working', async () => {
    const nc = await open(server.wsUrl as string);
    const status = statusCounter(nc);
    const bus = createNatsBus(nc);
    expect(() => bus.subscribe(subjectOf(4090), () => undefined)).toThrow(expect.objectContaining({ code: 'invalid_subject', verb: 'SUB' }));
    expect(() => bus.subscribe('q.x', () => undefined, { queue: 'q'.repeat(4090) })).toThrow(ControlLineTooLongError);
    expect(() => bus.respond(subjectOf(4090), () => 1)).toThrow(ControlLineTooLongError);
    // the longest accepted one really is accepted by the server
    const inbox = new Inbox();
    const longest = subjectOf(4096 - 1 - 16);
    await bus.subscribe(longest, inbox.push).ready;
    await bus.publish(longest, 'fits');
    await bus.request(longest.slice(0, 3000), 1, { timeoutMs: 200 }).catch(() => undefined);
    expect((await inbox.waitFor(1))[0]?.payload).toBe('fits');
    // Barrier: the server answers a PING after every line before it; a line it refused closes the connection first
    await nc.flush();
    await turn();
    expect(status.get('disconnect') ?? 0).toBe(0);
  });

  it('a request whose line (with the reply inbox) is too long is refused before sending', async () => {
    const nc = await open(server.wsUrl as string);
    const bus = createNatsBus(nc);
    await expect(bus.request(subjectOf(4050), 1)).rejects.toMatchObject({ code: 'invalid_subject', verb: 'HPUB' });
    expect(nc.isClosed()).toBe(false);
  });

  it('maxControlLine follows a server whose max_control_line was raised', async () => {
    const big = await startNatsServer({ jetstream: false, extraConfig: 'max_control_line: 8192' });
    try {
      const nc = await open(big.wsUrl as string);
      const status = statusCounter(nc);
      expect(() => createNatsBus(nc).subscribe(subjectOf(5000), () => undefined)).toThrow(InvalidSubjectError);
      const bus = createNatsBus(nc, { maxControlLine: 8192 });
      const inbox = new Inbox();
      await bus.subscribe(subjectOf(5000), inbox.push).ready;
      await bus.publish(subjectOf(5000), 'long');
      expect((await inbox.waitFor(1))[0]?.payload).toBe('long');
      expect(status.get('disconnect') ?? 0).toBe(0);
      expect(() => createNatsBus(nc, { maxControlLine: 10 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    } finally {
      await big.dispose();
    }
  });
});

describe('a subscription the server refuses', () => {
  let server: NatsServer;
  const limited = { user: 'limited', pass: 'limited-pw' };
  beforeAll(async () => {
    server = await startNatsServer({
      jetstream: false,
      extraConfig: `authorization {
        users = [
          { user: limited, password: limited-pw, permissions: { subscribe: { allow: [">"], deny: ["secret.>"] } } }
          { user: admin, password: admin-pw }
        ]
      }`,
    });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('ends alone with a typed error; a good one beside it receives everything for 10 s; the connection never drops', async () => {
    const subConn = await open(server.wsUrl as string, limited);
    const pubConn = await open(server.wsUrl as string, { user: 'admin', pass: 'admin-pw' });
    const status = statusCounter(subConn);
    const bus = createNatsBus(subConn);
    const errors: unknown[] = [];
    const refused = bus.subscribe('secret.plans', () => undefined, { onError: (e) => errors.push(e) });
    const good = new Inbox();
    const goodSub = bus.subscribe('open.>', good.push);
    const readyError = await refused.ready.catch((e: unknown) => e);
    await goodSub.ready;

    expect(readyError).toBeInstanceOf(SubscriptionRefusedError);
    expect(readyError).toMatchObject({ code: 'invalid_subject', reason: 'permissions', subject: 'secret.plans' });
    expect(await refused.closed).toBe(readyError);
    expect(refused.isClosed).toBe(true);
    expect(errors).toEqual([readyError]);

    const pub = createNatsBus(pubConn);
    const until = Date.now() + 10_000;
    let sent = 0;
    while (Date.now() < until) {
      await pub.publish(`open.${sent % 7}`, sent++);
      await pub.publish('secret.plans', 'nobody sees this');
      // fixed sleep: paces the 10 s of traffic the test is about; what arrived is counted below, not assumed
      await sleep(20);
    }
    await pubConn.flush();
    await good.waitFor(sent);
    expect(good.payloads).toEqual(Array.from({ length: sent }, (_, i) => i));
    expect(goodSub.isClosed).toBe(false);
    expect(status.get('disconnect') ?? 0).toBe(0);
    expect(status.get('error') ?? 0).toBe(1);

    // not sent again on reconnect: no second permissions violation, the good one still works
    const back = nextStatus(subConn, 'reconnect');
    await subConn.reconnect();
    await back;
    await subConn.flush();
    await pub.publish('open.after', 'after');
    await good.waitFor(sent + 1);
    // Barrier: a re-sent SUB would be refused (-ERR) before the server answers this PING
    await subConn.flush();
    await turn();
    expect(status.get('error') ?? 0).toBe(1);
  }, 30_000);

  it('a refused queue subscription and a refused responder end the same way', async () => {
    const nc = await open(server.wsUrl as string, limited);
    const bus = createNatsBus(nc);
    const quiet = { onError: () => undefined };
    const queued = bus.subscribe('secret.jobs', () => undefined, { queue: 'workers', ...quiet });
    const responder = bus.respond('secret.rpc', () => 'never', quiet);
    await expect(queued.ready).rejects.toMatchObject({ reason: 'permissions' });
    await expect(responder.ready).rejects.toMatchObject({ reason: 'permissions' });
    expect(await queued.closed).toBeInstanceOf(SubscriptionRefusedError);
    await expect(bus.request('open.nobody', 1, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'no_responders' });
  });
});

describe('a subscription over max_subscriptions (an -ERR that names no subject)', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false, extraConfig: 'max_subscriptions: 2' });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('ends the one in flight with max_subscriptions, is not re-sent on reconnect, the others keep working', async () => {
    const nc = await open(server.wsUrl as string);
    const raw = await open(server.wsUrl as string);
    const status = statusCounter(nc);
    const bus = createNatsBus(nc);
    const inbox = new Inbox();
    await bus.subscribe('m.a', inbox.push).ready;
    await bus.subscribe('m.b', inbox.push).ready;
    const third = bus.subscribe('m.c', inbox.push, { onError: () => undefined });
    await expect(third.ready).rejects.toMatchObject({ code: 'invalid_subject', reason: 'max_subscriptions', subject: 'm.c' });
    expect(await third.closed).toBeInstanceOf(SubscriptionRefusedError);
    const back = nextStatus(nc, 'reconnect');
    await nc.reconnect();
    await back;
    await nc.flush();
    for (const s of ['m.a', 'm.b', 'm.c']) raw.publish(s, JSON.stringify(s));
    raw.publish('m.a', JSON.stringify('end')); // barrier: one publisher, one subscriber connection, in order
    await inbox.waitFor(3);
    await nc.flush(); // and a re-sent SUB would be refused before this PING is answered
    await turn();
    expect(inbox.payloads).toEqual(['m.a', 'm.b', 'end']);
    expect(status.get('error') ?? 0).toBe(1); // the refused SUB was not sent again
  });
});
