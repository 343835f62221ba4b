/**
 * Settling proven on the server: after `term`, a dead letter or a decode failure the consumer's own state
 * (`num_ack_pending`, `ack_floor`, `delivered`, `num_redelivered`) must show the message settled. That state
 * is final: the server never redelivers a message at or below the ack floor, and ignores a later ack or nak
 * of it, so no watching for an ack wait is needed. The cases run concurrently.
 */
import { afterAll, beforeAll, describe, inject, it, type ExpectStatic } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { connectNats } from '../../src/nats/index.js';
import { jsonCodec } from '../../src/core/codec.js';
import type { StandardSchemaV1 } from '../../src/core/schema.js';
import { inboundPolicy } from '../../src/jetstream/consumer-setup.js';
import { receive } from '../../src/jetstream/inbound.js';
import { honoursTermReason, TERM_REASON_SINCE } from '../../src/jetstream/server-version.js';
import { createJetStreamConsumer, createJetStreamPublisher, createJetStreamSubscriber, ensureStream, type DeadLetter, type JetStreamSubscriber } from '../../src/jetstream/index.js';
import type { Message } from '../../src/index.js';
import { dedup } from '../../src/middleware/index.js';
import { Inbox, sleep } from '../portable/conformance/wait.js';

/** Short, so that a delivery never acked comes back within about a second. */
const ACK_WAIT_MS = 1000;
/** How long the pull case keeps a fetch open: a redelivery would come after one ack wait. */
const WATCH_MS = 2 * ACK_WAIT_MS + 300;

let nc: NatsConnection;
let jsm: JetStreamManager;
const subscribers: JetStreamSubscriber[] = [];
let n = 0;

beforeAll(async () => {
  nc = await connectNats(inject('natsWsUrl'));
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await Promise.all(subscribers.map((s) => s.close()));
  await nc.close();
});

/** A fresh stream `root.>` and a subscriber on it with the short ack wait. */
async function fixture(): Promise<{ root: string; stream: string; subscriber: JetStreamSubscriber }> {
  const root = `settle${Date.now().toString(36)}${(n++).toString(36)}`;
  const stream = root.toUpperCase();
  await ensureStream(nc, { name: stream, subjects: [`${root}.>`] });
  const subscriber = createJetStreamSubscriber(nc, { stream, ackWaitMs: ACK_WAIT_MS });
  subscribers.push(subscriber);
  return { root, stream, subscriber };
}

interface ConsumerState {
  ackPending: number;
  redelivered: number;
  /** Deliveries made by the consumer so far (a redelivery counts up too). */
  deliveries: number;
  deliveredStreamSeq: number;
  ackFloorStreamSeq: number;
}

async function consumerState(stream: string, consumer: string): Promise<ConsumerState> {
  const info = await jsm.consumers.info(stream, consumer);
  return {
    ackPending: info.num_ack_pending,
    redelivered: info.num_redelivered,
    deliveries: info.delivered.consumer_seq,
    deliveredStreamSeq: info.delivered.stream_seq,
    ackFloorStreamSeq: info.ack_floor.stream_seq,
  };
}

/**
 * Waits (up to one ack wait) until the consumer holds nothing pending and its ack floor reached `lastSeq`:
 * from then on the server delivers that message to nobody again. Returns the settled state.
 */
async function expectSettled(expect: ExpectStatic, stream: string, consumer: string, lastSeq: number): Promise<ConsumerState> {
  const deadline = Date.now() + ACK_WAIT_MS;
  let state = await consumerState(stream, consumer);
  while ((state.ackPending > 0 || state.ackFloorStreamSeq < lastSeq) && Date.now() < deadline) {
    await sleep(50);
    state = await consumerState(stream, consumer);
  }
  const settled = { ackPending: 0, redelivered: 0, deliveredStreamSeq: lastSeq, ackFloorStreamSeq: lastSeq };
  expect(state, 'settled on the server').toMatchObject(settled);
  return state;
}

const failing = (inbox: Inbox) => (m: Message<unknown>) => {
  inbox.push(m);
  throw new Error(`boom on attempt ${m.delivery.attempt}`);
};

describe.concurrent('settling is visible in the consumer state', () => {
  it('term(reason) in manual mode: settled, never redelivered', async ({ expect }) => {
    const { root, stream, subscriber } = await fixture();
    const inbox = new Inbox();
    await subscriber.subscribe(`${root}.poison`, (m: Message<unknown>) => (inbox.push(m), m.term('bad data')), { ack: 'manual', durable: 'terms' }).ready;
    await createJetStreamPublisher(nc).publish(`${root}.poison`, 'poison');
    await inbox.waitFor(1, 5000);
    const state = await expectSettled(expect, stream, 'terms', 1);
    expect(state.deliveries).toBe(1);
    expect(inbox.messages).toHaveLength(1);
  });

  it('term() without a reason: settled, never redelivered', async ({ expect }) => {
    const { root, stream, subscriber } = await fixture();
    const inbox = new Inbox();
    await subscriber.subscribe(`${root}.poison`, (m: Message<unknown>) => (inbox.push(m), m.term()), { ack: 'manual', durable: 'plainterm' }).ready;
    await createJetStreamPublisher(nc).publish(`${root}.poison`, 'poison');
    await inbox.waitFor(1, 5000);
    expect((await expectSettled(expect, stream, 'plainterm', 1)).deliveries).toBe(1);
    expect(inbox.messages).toHaveLength(1);
  });

  it('dead letter to a subject after maxAttempts: the letter is stored once, the original settled', async ({ expect }) => {
    const { root, stream, subscriber } = await fixture();
    await ensureStream(nc, { name: `${stream}_DLQ`, subjects: [`dlq.${root}.>`] });
    const inbox = new Inbox();
    await subscriber.subscribe(`${root}.orders`, failing(inbox), { durable: 'dlsubject', maxAttempts: 2, deadLetter: `dlq.${root}.orders`, onError: () => undefined }).ready;
    await createJetStreamPublisher(nc).publish(`${root}.orders`, { total: 5 });
    await inbox.waitFor(2, 5000);
    const state = await expectSettled(expect, stream, 'dlsubject', 1);
    expect(state.deliveries).toBe(2);
    expect(inbox.messages).toHaveLength(2);
    expect((await jsm.streams.info(`${stream}_DLQ`)).state.messages).toBe(1);
    await jsm.streams.delete(`${stream}_DLQ`);
  });

  it('dead letter to a hook after maxAttempts: the hook runs once, the original settled', async ({ expect }) => {
    const { root, stream, subscriber } = await fixture();
    const letters: DeadLetter[] = [];
    const inbox = new Inbox();
    await subscriber.subscribe(`${root}.x`, failing(inbox), { durable: 'dlhook', maxAttempts: 2, deadLetter: (l) => void letters.push(l), onError: () => undefined }).ready;
    await jetstream(nc).publish(`${root}.x`, JSON.stringify('poison')); // no Nats-Msg-Id
    await inbox.waitFor(2, 5000);
    await expectSettled(expect, stream, 'dlhook', 1);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toContain('boom on attempt 2');
    expect(letters[0]?.id).toBe(`${stream}:1`); // the id the handler saw
    expect(inbox.messages.map((m) => m.id)).toEqual([`${stream}:1`, `${stream}:1`]);
  });

  it('a delivery never acked until it exceeds maxAttempts: dead-lettered once, settled', async ({ expect }) => {
    const { root, stream, subscriber } = await fixture();
    const letters: DeadLetter[] = [];
    const inbox = new Inbox();
    await subscriber.subscribe(`${root}.hang`, inbox.push, { ack: 'manual', durable: 'hang', maxAttempts: 1, deadLetter: (l) => void letters.push(l) }).ready;
    await createJetStreamPublisher(nc).publish(`${root}.hang`, 'never acked');
    await inbox.waitFor(1, 5000);
    // the second delivery (after one ack wait) is over the limit: dead-lettered without reaching the handler
    const deadline = Date.now() + 3 * ACK_WAIT_MS;
    while (letters.length === 0 && Date.now() < deadline) await sleep(50);
    expect(letters).toHaveLength(1);
    expect((await expectSettled(expect, stream, 'hang', 1)).deliveries).toBe(2);
    expect(letters).toHaveLength(1);
    expect(inbox.messages).toHaveLength(1);
  });

  it('an undecodable message: reported once, terminated and settled; the next one is handled', async ({ expect }) => {
    const { root, stream, subscriber } = await fixture();
    const errors: unknown[] = [];
    const inbox = new Inbox();
    await subscriber.subscribe(`${root}.raw`, inbox.push, { durable: 'raw', onError: (e) => errors.push(e) }).ready;
    await jetstream(nc).publish(`${root}.raw`, new Uint8Array([0xff, 0xfe]));
    await jetstream(nc).publish(`${root}.raw`, JSON.stringify('fine'));
    await inbox.waitFor(1, 5000);
    expect((await expectSettled(expect, stream, 'raw', 2)).deliveries).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'decode_failed' });
    expect(inbox.payloads).toEqual(['fine']);
  });

  it('a schema-invalid message: reported once, terminated and settled', async ({ expect }) => {
    const { root, stream, subscriber } = await fixture();
    const errors: unknown[] = [];
    const inbox = new Inbox();
    const schema: StandardSchemaV1<unknown, number> = {
      '~standard': { version: 1, vendor: 'test', validate: (v) => (typeof v === 'number' ? { value: v } : { issues: [{ message: 'not a number' }] }) },
    };
    await subscriber.subscribe(`${root}.n`, inbox.push, { durable: 'schema', schema, onError: (e) => errors.push(e) }).ready;
    await createJetStreamPublisher(nc).publish(`${root}.n`, 'seven');
    await createJetStreamPublisher(nc).publish(`${root}.n`, 7);
    await inbox.waitFor(1, 5000);
    expect((await expectSettled(expect, stream, 'schema', 2)).deliveries).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'invalid_payload' });
    expect(inbox.payloads).toEqual([7]);
  });

  it('an id-less message handled but never acked: redelivered with the same id, dedup acks it, settled', async ({ expect }) => {
    const { root, stream, subscriber } = await fixture();
    const handled: string[] = [];
    const duplicates: Message<unknown>[] = [];
    const inbox = new Inbox();
    const work = dedup({ onDuplicate: (m) => (duplicates.push(m), inbox.push(m)) })((m: Message<unknown>) => {
      handled.push(m.id);
      inbox.push(m); // and no ack, as if it was lost: the server redelivers after the ack wait
    });
    await subscriber.subscribe(`${root}.d`, work, { ack: 'manual', durable: 'dedup' }).ready;
    const { seq } = await jetstream(nc).publish(`${root}.d`, JSON.stringify('charge card'));
    await inbox.waitFor(2, 3 * ACK_WAIT_MS);
    expect(handled).toEqual([`${stream}:${seq}`]);
    expect(duplicates.map((m) => [m.id, m.delivery.attempt])).toEqual([[`${stream}:${seq}`, 2]]);
    expect((await expectSettled(expect, stream, 'dedup', seq)).deliveries).toBe(2);
  });

  it('pull consumer: term(reason) settles; fetching through the ack wait gets nothing', async ({ expect }) => {
    const { root, stream } = await fixture();
    const consumer = await createJetStreamConsumer(nc, { stream, durable: 'puller', ackWaitMs: ACK_WAIT_MS });
    await createJetStreamPublisher(nc).publish(`${root}.pull`, 'poison');
    const [m] = await consumer.fetch(1, { timeoutMs: 5000 });
    await m?.term('bad data');
    const [state, again] = await Promise.all([expectSettled(expect, stream, 'puller', 1), consumer.fetch(1, { timeoutMs: WATCH_MS })]);
    expect(again).toEqual([]);
    expect(state.deliveries).toBe(1);
    await consumer.close();
  });
});

describe('the term form follows the server version', () => {
  it('a reason is honoured from nats-server 2.10.4 on (unknown or unparsable: no)', ({ expect }) => {
    expect(TERM_REASON_SINCE).toBe('2.10.4');
    const cases = { '2.9.10': false, '2.9.25': false, '2.10.0': false, '2.10.3': false, '2.10.4': true, '2.10.29': true, '2.11.0': true, '2.12.1': true, '3.0.0': true, 'v2.10.4': true, '': false, nonsense: false };
    for (const [version, expected] of Object.entries(cases)) expect(honoursTermReason(version), version).toBe(expected);
    expect(honoursTermReason(undefined)).toBe(false);
  });

  /** What a message's `term` sends for a server reporting `version` (a stub connection), through the real settle path. */
  function termSentTo(version: string | undefined, reason: string | undefined): Array<string | undefined> {
    const sent: Array<string | undefined> = [];
    const jm = { subject: 'a.b', data: jsonCodec().encode('x'), headers: undefined, seq: 7, info: { stream: 'S', deliveryCount: 1 }, term: (r?: string) => void sent.push(r) };
    const stubConnection = { info: version === undefined ? undefined : { version } } as unknown as NatsConnection;
    const policy = inboundPolicy({} as JetStreamClient, stubConnection, { codec: jsonCodec() }, () => undefined, { telemetry: undefined, taps: undefined }, { system: 'jetstream', pattern: 'a.>', queue: undefined });
    const message = receive(jm as unknown as JsMsg, policy) as Message<unknown>;
    void message.term(reason);
    return sent;
  }

  it('sends the reason only to a server that honours it, and never an empty one', ({ expect }) => {
    expect(termSentTo('2.9.10', 'bad data')).toEqual([undefined]);
    expect(termSentTo('2.10.3', 'bad data')).toEqual([undefined]);
    expect(termSentTo(undefined, 'bad data')).toEqual([undefined]);
    expect(termSentTo('2.10.4', 'bad data')).toEqual(['bad data']);
    expect(termSentTo('2.12.0', '')).toEqual([undefined]);
    expect(termSentTo('2.12.0', undefined)).toEqual([undefined]);
  });

  it('this suite ran against the server it documents', ({ expect }) => {
    // README "Settling and server versions" names the version the settling tests ran on
    expect(nc.info?.version).toMatch(/^2\.9\./);
  });
});
