/**
 * JetStream behaviour that needs time (ack timeouts, delayed redelivery), a server restart, or TCP: Node only,
 * against a private nats-server stopped by PID.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect as connectTcp } from '@nats-io/transport-node';
import { startNatsServer, type NatsServer } from '../setup/nats-server.mjs';
import { connectNats } from '../../src/nats/index.js';
import {
  createJetStreamConsumer,
  createJetStreamPublisher,
  createJetStreamSubscriber,
  DEAD_LETTER_HEADERS,
  ensureStream,
  type DeadLetter,
  type JetStreamPublisher,
  type JetStreamSubscriber,
} from '../../src/jetstream/index.js';
import type { Message } from '../../src/index.js';
import { Inbox, sleep } from '../portable/conformance/wait.js';
import { consumerInfos, consumersSettled, pullWaiting } from '../portable/jetstream-settled.js';
import { until } from '../portable/waits.js';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.dispose();
});

let nc: NatsConnection;
let pub: JetStreamPublisher;
let subscriber: JetStreamSubscriber;
let root: string;
let stream: string;
let n = 0;

beforeEach(async () => {
  nc = await connectNats(server.wsUrl as string, { reconnectTimeWait: 100, reconnectJitter: 0 });
  root = `t${n++}`;
  stream = root.toUpperCase();
  await ensureStream(nc, { name: stream, subjects: [`${root}.>`] });
  pub = createJetStreamPublisher(nc);
  subscriber = createJetStreamSubscriber(nc, { stream });
});
afterEach(async () => {
  await subscriber.close();
  await nc.close();
});

const failing = (inbox: Inbox) => (m: Message<unknown>) => {
  inbox.push(m);
  throw new Error(`boom on attempt ${m.delivery.attempt}`);
};

describe('redelivery limit and dead letters', () => {
  it('after maxAttempts failed deliveries the message is republished to the dead-letter subject with the reason', async () => {
    await ensureStream(nc, { name: `${stream}_DLQ`, subjects: [`dlq.${root}.>`] });
    const inbox = new Inbox();
    await subscriber.subscribe(`${root}.orders`, failing(inbox), { maxAttempts: 2, deadLetter: `dlq.${root}.orders`, onError: () => undefined }).ready;
    await pub.publish(`${root}.orders`, { total: 5 }, { id: 'o-1', headers: { tenant: 't1' } });
    await inbox.waitFor(2, 5000);

    const dlq = await createJetStreamConsumer(nc, { stream: `${stream}_DLQ` });
    const [letter] = await dlq.fetch(1, { timeoutMs: 5000 });
    expect(letter?.payload).toEqual({ total: 5 });
    expect(letter?.headers).toMatchObject({
      tenant: 't1',
      [DEAD_LETTER_HEADERS.subject]: `${root}.orders`,
      [DEAD_LETTER_HEADERS.stream]: stream,
      [DEAD_LETTER_HEADERS.sequence]: '1',
      [DEAD_LETTER_HEADERS.attempts]: '2',
      [DEAD_LETTER_HEADERS.id]: 'o-1',
    });
    expect(letter?.headers[DEAD_LETTER_HEADERS.reason]).toContain('boom on attempt 2');
    await consumersSettled(nc, stream); // terminated: nothing left to deliver again
    expect(inbox.messages).toHaveLength(2);
    await dlq.close();
  });

  it('a hook receives the letter with the error; if the hook fails the message is kept and offered again', async () => {
    const letters: DeadLetter[] = [];
    let hookCalls = 0;
    const errors: unknown[] = [];
    const inbox = new Inbox();
    const deadLetter = (letter: DeadLetter): void => {
      if (++hookCalls === 1) throw new Error('dead-letter store down');
      letters.push(letter);
    };
    await subscriber.subscribe(`${root}.x`, failing(inbox), { maxAttempts: 3, deadLetter, onError: (e) => errors.push(e) }).ready;
    await pub.publish(`${root}.x`, 'poison');
    await inbox.waitFor(3, 5000);
    const deadline = Date.now() + 5000;
    while (letters.length === 0 && Date.now() < deadline) await sleep(20);
    expect(hookCalls).toBe(2);
    expect(inbox.messages).toHaveLength(3); // the 4th delivery went straight to the dead letter, not the handler
    expect(letters[0]).toMatchObject({ subject: `${root}.x`, stream, sequence: 1, attempts: 4 });
    expect(letters[0]?.reason).toMatch(/more than maxAttempts 3/);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom on attempt 1', 'boom on attempt 2', 'boom on attempt 3', 'dead-letter store down']);
  });

  it('counts a delivery that is never acked (ack wait expires) and dead-letters it after maxAttempts', async () => {
    const letters: DeadLetter[] = [];
    const inbox = new Inbox();
    await subscriber.subscribe(`${root}.hang`, inbox.push, { ack: 'manual', ackWaitMs: 500, maxAttempts: 2, deadLetter: (l) => void letters.push(l) }).ready;
    await pub.publish(`${root}.hang`, 'never acked');
    await inbox.waitFor(2, 5000);
    expect(inbox.messages.map((m) => m.delivery.attempt)).toEqual([1, 2]);
    const deadline = Date.now() + 5000;
    while (letters.length === 0 && Date.now() < deadline) await sleep(20);
    expect(letters[0]?.reason).toMatch(/not acknowledged in time/);
    expect(inbox.messages).toHaveLength(2);
  });

  it('auto mode: backoff delays the redelivery of a failed message', async () => {
    const at: number[] = [];
    await subscriber.subscribe(
      `${root}.retry`,
      (m: Message<unknown>) => {
        at.push(Date.now());
        if (m.delivery.attempt === 1) throw new Error('once');
      },
      { backoff: (attempt) => attempt * 400, onError: () => undefined },
    ).ready;
    await pub.publish(`${root}.retry`, 1);
    const deadline = Date.now() + 5000;
    while (at.length < 2 && Date.now() < deadline) await sleep(20);
    expect(at).toHaveLength(2);
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(350);
  });
});

describe('replay and durables', () => {
  beforeEach(async () => {
    for (let i = 1; i <= 3; i++) await pub.publish(`${root}.log`, i);
  });

  async function collect(options: Parameters<JetStreamSubscriber['subscribe']>[1], expected: number): Promise<unknown[]> {
    const inbox = new Inbox();
    const before = new Set((await consumerInfos(nc, stream)).map((c) => c.name));
    const sub = subscriber.subscribe(`${root}.log`, inbox.push, options as never);
    await sub.ready;
    await inbox.waitFor(expected, 5000);
    // this subscription's consumer has delivered all it will and holds no unacked message
    const durable = (options as { durable?: string } | undefined)?.durable;
    await consumersSettled(nc, stream, { only: (c) => !before.has(c.name) || c.name === durable });
    await sub.unsubscribe();
    return inbox.payloads;
  }

  it('replays from a sequence, from a time, only new, or only the last', async () => {
    // a time after message 3 was stored (server clock = this clock: one machine), and message 4 after it
    const third = await (await pub.jetstream.jetstreamManager()).streams.getMessage(stream, { seq: 3 });
    const time = new Date((third?.time.getTime() ?? 0) + 1);
    await until(() => Date.now() > time.getTime(), { what: 'the clock past message 3' });
    await pub.publish(`${root}.log`, 4);
    expect(await collect({ deliver: { sequence: 3 } }, 2)).toEqual([3, 4]);
    expect(await collect({ deliver: { time } }, 1)).toEqual([4]);
    expect(await collect({ deliver: 'last' }, 1)).toEqual([4]);
    expect(await collect({ deliver: 'all' }, 4)).toEqual([1, 2, 3, 4]);
    const fresh = new Inbox();
    const before = new Set((await consumerInfos(nc, stream)).map((c) => c.name));
    const sub = subscriber.subscribe(`${root}.log`, fresh.push, { deliver: 'new' });
    await sub.ready;
    await pub.publish(`${root}.log`, 5);
    await fresh.waitFor(1, 5000);
    await consumersSettled(nc, stream, { only: (c) => !before.has(c.name) });
    expect(fresh.payloads).toEqual([5]);
  });

  it('a durable subscription resumes after the last acked message', async () => {
    expect(await collect({ durable: 'audit' }, 3)).toEqual([1, 2, 3]);
    await pub.publish(`${root}.log`, 4);
    expect(await collect({ durable: 'audit' }, 1)).toEqual([4]);
  });

  it('a durable pull consumer shared by two fetchers hands each message to one of them', async () => {
    const a = await createJetStreamConsumer(nc, { stream, durable: 'pullers' });
    const b = await createJetStreamConsumer(nc, { stream, durable: 'pullers' });
    const got = [...(await a.fetch(2)), ...(await b.fetch(2))];
    await Promise.all(got.map((m) => m.ack()));
    expect(got.map((m) => m.payload).sort()).toEqual([1, 2, 3]);
  });
});

describe('ensureStream', () => {
  it('creating the same stream concurrently from many callers is fine', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => ensureStream(nc, { name: `${stream}_C`, subjects: [`c.${root}.>`], max_msgs: 100 })));
    expect(results.some((r) => r.created)).toBe(true);
    expect(new Set(results.map((r) => r.info.created)).size).toBe(1); // one stream, not five
    expect(results.every((r) => r.info.config.max_msgs === 100)).toBe(true);
  });

  it('compares subjects regardless of order, and reports every difference', async () => {
    await ensureStream(nc, { name: `${stream}_O`, subjects: [`o1.${root}`, `o2.${root}`] });
    expect((await ensureStream(nc, { name: `${stream}_O`, subjects: [`o2.${root}`, `o1.${root}`] })).created).toBe(false);
    await expect(ensureStream(nc, { name: `${stream}_O`, subjects: [`o1.${root}`], max_msgs: 5 })).rejects.toMatchObject({
      code: 'invalid_argument',
      differences: [
        { field: 'subjects', existing: [`o1.${root}`, `o2.${root}`], requested: [`o1.${root}`] },
        { field: 'max_msgs', existing: -1, requested: 5 },
      ],
    });
  });
});

describe('outage and TCP', () => {
  it('a publish during an outage rejects (the caller knows); after the restart a resend with the same id is stored once and consumed', async () => {
    const inbox = new Inbox();
    await subscriber.subscribe(`${root}.o`, inbox.push, { durable: 'survivor' }).ready;
    await pub.publish(`${root}.o`, 'before');
    await inbox.waitFor(1, 5000);

    await server.stop();
    await expect(pub.publish(`${root}.o`, 'during', { id: 'during-1', timeoutMs: 500 })).rejects.toMatchObject({ code: expect.stringMatching(/^(timeout|no_responders)$/) });
    await server.restart();

    // the stream is back when a publish is acked again (each attempt bounded by its own timeout)
    const ack = await until(() => pub.publishWithAck(`${root}.o`, 'during', { id: 'during-1', timeoutMs: 1000 }).catch(() => undefined), { timeoutMs: 10_000, everyMs: 100, what: 'a publish acked after the restart' });
    expect(ack.duplicate).toBe(false);
    expect((await pub.publishWithAck(`${root}.o`, 'during', { id: 'during-1' })).duplicate).toBe(true);
    await inbox.waitFor(2, 30_000);
    expect(inbox.payloads).toEqual(['before', 'during']);
  }, 45_000);

  it('works over a TCP connection from @nats-io/transport-node', async () => {
    const tcp = await connectTcp({ servers: server.tcpUrl });
    try {
      const overTcp = createJetStreamPublisher(tcp);
      await overTcp.publish(`${root}.tcp`, 'via tcp', { id: 'tcp-1' });
      const consumer = await createJetStreamConsumer(nc, { stream, filter: `${root}.tcp` });
      const [m] = await consumer.fetch(1, { timeoutMs: 5000 });
      expect(m).toMatchObject({ payload: 'via tcp', id: 'tcp-1' });
      await consumer.close();
    } finally {
      await tcp.close();
    }
  });
});

describe('consumer lifecycle', () => {
  it('refuses a queue member whose pattern differs from the shared durable (it would retarget every member)', async () => {
    await subscriber.subscribe(`${root}.a`, () => undefined, { queue: 'workers' }).ready;
    const second = subscriber.subscribe(`${root}.b`, () => undefined, { queue: 'workers', onError: () => undefined });
    await expect(second.ready).rejects.toMatchObject({ code: 'invalid_argument' });
    const jsm = await (await import('@nats-io/jetstream')).jetstreamManager(nc);
    expect((await jsm.consumers.info(stream, 'workers')).config.filter_subject).toBe(`${root}.a`);
  });

  it('close() ends a fetch that is still waiting, for an ephemeral and a durable pull consumer', async () => {
    for (const durable of [undefined, `pull${root}`]) {
      const consumer = await createJetStreamConsumer(nc, { stream, ...(durable ? { durable } : {}) });
      const started = Date.now();
      const pending = consumer.fetch(1);
      await pullWaiting(nc, stream, consumer.name);
      await consumer.close();
      expect(await pending).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
  });

  it('ends and reports a push subscription whose consumer was deleted on the server', async () => {
    const errors: unknown[] = [];
    const sub = subscriber.subscribe(`${root}.x`, () => undefined, { durable: `gone${root}`, onError: (e) => errors.push(e) });
    await sub.ready;
    const jsm = await (await import('@nats-io/jetstream')).jetstreamManager(nc);
    await jsm.consumers.delete(stream, `gone${root}`);
    const deadline = Date.now() + 8_000;
    while (!sub.isClosed && Date.now() < deadline) await sleep(50);
    expect(sub.isClosed).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
  }, 15_000);
});
