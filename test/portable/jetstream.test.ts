/** JetStream transport against the real server, in every runtime. Each test gets its own stream. */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from '../../src/nats/index.js';
import {
  createJetStreamConsumer,
  createJetStreamPublisher,
  createJetStreamSubscriber,
  ensureStream,
  type JetStreamPublisher,
  type JetStreamSubscriber,
} from '../../src/jetstream/index.js';
import type { Message } from '../../src/index.js';
import { Inbox, sleep } from './conformance/wait.js';
import { consumersSettled, pullWaiting } from './jetstream-settled.js';

describe('jetstream transport', () => {
  let nc: NatsConnection;
  let root: string;
  let stream: string;
  let pub: JetStreamPublisher;
  let subscriber: JetStreamSubscriber;
  let n = 0;

  beforeEach(async () => {
    nc = await connectNats(inject('natsWsUrl'));
    root = `js${Date.now().toString(36)}${(n++).toString(36)}`;
    stream = root.toUpperCase();
    await ensureStream(nc, { name: stream, subjects: [`${root}.>`] });
    pub = createJetStreamPublisher(nc);
    subscriber = createJetStreamSubscriber(nc, { stream });
  });
  afterEach(async () => {
    await subscriber.close();
    const jsm = await pub.jetstream.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  describe('publisher', () => {
    it('resolves with the stored sequence, and a resend with the same id is a duplicate stored once', async () => {
      const first = await pub.publishWithAck(`${root}.orders`, { n: 1 }, { id: 'order-1' });
      expect(first).toEqual({ stream, seq: 1, duplicate: false, id: 'order-1' });
      const again = await pub.publishWithAck(`${root}.orders`, { n: 1 }, { id: 'order-1' });
      expect(again).toMatchObject({ seq: 1, duplicate: true });
      await pub.publish(`${root}.orders`, { n: 2 });
      const info = await (await pub.jetstream.jetstreamManager()).streams.info(stream);
      expect(info.state.messages).toBe(2);
    });

    it('checks expectations on the server: a wrong last sequence or stream stores nothing', async () => {
      await pub.publish(`${root}.a`, 1, { expect: { lastSequence: 0 } });
      await expect(pub.publish(`${root}.a`, 2, { expect: { lastSequence: 0 } })).rejects.toMatchObject({ code: 'remote_error', remoteCode: '10071' });
      await expect(pub.publish(`${root}.a`, 2, { expect: { stream: 'ELSEWHERE' } })).rejects.toMatchObject({ code: 'remote_error' });
      expect(await pub.publishWithAck(`${root}.a`, 3, { expect: { lastSequence: 1, stream } })).toMatchObject({ seq: 2 });
    });

    it('rejects bad input before sending: wildcard subject, no stream, unserializable, oversize', async () => {
      await expect(pub.publish(`${root}.*`, 1)).rejects.toMatchObject({ code: 'invalid_subject' });
      await expect(pub.publish(`nostream${root}.x`, 1)).rejects.toMatchObject({ code: 'no_responders', name: 'NoStreamError' });
      await expect(pub.publish(`${root}.x`, 10n as never)).rejects.toMatchObject({ code: 'not_serializable' });
      await expect(pub.publish(`${root}.x`, 'x'.repeat(nc.info?.max_payload ?? 0))).rejects.toMatchObject({ code: 'payload_too_large' });
    });
    it('after the connection closes: publish rejects and subscribe throws with closed', async () => {
      await nc.close();
      await expect(pub.publish(`${root}.x`, 1)).rejects.toMatchObject({ code: 'closed' });
      expect(() => subscriber.subscribe(`${root}.x`, () => undefined)).toThrow(expect.objectContaining({ code: 'closed' }));
      nc = await connectNats(inject('natsWsUrl')); // for afterEach
      pub = createJetStreamPublisher(nc);
    });
  });

  describe('subscriber', () => {
    it('auto-ack: a handler that returns acks, one that throws is redelivered with attempt + 1', async () => {
      const inbox = new Inbox();
      const errors: unknown[] = [];
      const sub = subscriber.subscribe(
        `${root}.work`,
        (m: Message<unknown>) => {
          inbox.push(m);
          if (m.payload === 'flaky' && m.delivery.attempt === 1) throw new Error('first try fails');
        },
        { onError: (e) => errors.push(e) },
      );
      await sub.ready;
      await pub.publish(`${root}.work`, 'steady', { id: 's-1', headers: { k: 'v' } });
      await pub.publish(`${root}.work`, 'flaky');
      await inbox.waitFor(3, 5000);
      const seen = inbox.messages.map((m) => [m.payload, m.delivery.attempt]);
      expect(seen).toEqual([['steady', 1], ['flaky', 1], ['flaky', 2]]);
      expect(inbox.messages[0]).toMatchObject({ id: 's-1', headers: { k: 'v' }, hasAcker: true, delivery: { sequence: 1 } });
      expect(errors).toHaveLength(1);
      await consumersSettled(nc, stream); // all acked: nothing is redelivered later
      expect(inbox.messages).toHaveLength(3);
    });

    it('manual ack: nak with delay redelivers later, term never redelivers, inProgress keeps it', async () => {
      const inbox = new Inbox();
      const sub = subscriber.subscribe(
        `${root}.manual`,
        async (m: Message<unknown>) => {
          inbox.push(m);
          if (m.payload === 'later' && m.delivery.attempt === 1) return m.nak(300);
          if (m.payload === 'poison') return m.term('bad data');
          await m.inProgress();
          await m.ack();
        },
        { ack: 'manual' },
      );
      await sub.ready;
      const start = Date.now();
      for (const p of ['later', 'poison', 'ok']) await pub.publish(`${root}.manual`, p);
      await inbox.waitFor(4, 5000);
      const redelivered = inbox.messages[3] as Message<unknown>;
      expect(redelivered).toMatchObject({ payload: 'later', delivery: { attempt: 2 } });
      expect(Date.now() - start).toBeGreaterThanOrEqual(250);
      await consumersSettled(nc, stream); // acked or termed: nothing is redelivered later
      expect(inbox.payloads).toEqual(['later', 'poison', 'ok', 'later']);
    });

    it('terminates and reports an undecodable message; the next one is handled', async () => {
      const errors: Array<{ e: unknown; m?: Message<unknown> }> = [];
      const inbox = new Inbox();
      const sub = subscriber.subscribe(`${root}.raw`, inbox.push, { onError: (e, m) => errors.push({ e, m }) });
      await sub.ready;
      await pub.jetstream.publish(`${root}.raw`, new Uint8Array([0xff, 0xfe]));
      await pub.publish(`${root}.raw`, 'fine');
      await inbox.waitFor(1, 5000);
      await consumersSettled(nc, stream); // the undecodable one termed, not left to redeliver
      expect(inbox.payloads).toEqual(['fine']);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.e).toMatchObject({ code: 'decode_failed' });
      expect(errors[0]?.m?.delivery.attempt).toBe(1);
      expect(sub.stats.failed).toBe(1);
    });

    it('a queue shares one durable consumer: each message handled once across members', async () => {
      const a = new Inbox();
      const b = new Inbox();
      await Promise.all([subscriber.subscribe(`${root}.jobs`, a.push, { queue: 'workers' }).ready, subscriber.subscribe(`${root}.jobs`, b.push, { queue: 'workers' }).ready]);
      await Promise.all(Array.from({ length: 20 }, (_, i) => pub.publish(`${root}.jobs`, i)));
      const deadline = Date.now() + 5000;
      while (a.messages.length + b.messages.length < 20 && Date.now() < deadline) await sleep(20);
      // every consumer on the stream has delivered and settled all it will: a second consumer's copies are in
      await consumersSettled(nc, stream);
      expect([...a.payloads, ...b.payloads].sort((x, y) => (x as number) - (y as number))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('a subscription for a subject outside the stream fails: ready rejects and the error is reported', async () => {
      const errors: unknown[] = [];
      const sub = subscriber.subscribe(`other${root}.x`, () => undefined, { onError: (e) => errors.push(e) });
      await expect(sub.ready).rejects.toMatchObject({ code: 'remote_error' });
      await sub.closed;
      expect(errors).toHaveLength(1);
    });

    it('rejects bad options at the call', () => {
      const named = (option: string) => expect.objectContaining({ code: 'invalid_argument', option });
      expect(() => subscriber.subscribe(`${root}.x`, () => undefined, { maxAttempts: 0 })).toThrow(named('maxAttempts'));
      expect(() => subscriber.subscribe(`${root}.x`, () => undefined, { backoff: 100 as never })).toThrow(named('backoff'));
      expect(() => subscriber.subscribe(`${root}.x`, () => undefined, { isRetryable: true as never })).toThrow(named('isRetryable'));
      expect(() => subscriber.subscribe(`${root}.x`, () => undefined, { schema: {} as never })).toThrow(named('schema'));
      expect(() => subscriber.subscribe(`${root}.x`, () => undefined, { ack: 'later' as never })).toThrow(named('ack'));
      expect(() => subscriber.subscribe(`${root}.x`, () => undefined, { signal: 'stop' as never })).toThrow(named('signal'));
      expect(() => subscriber.subscribe(`${root}.x`, () => undefined, { maxAttempts: 2, maxDeliver: 3 })).toThrow(named('maxDeliver'));
      expect(() => subscriber.subscribe(`${root}.x`, () => undefined, { deliver: { time: 'yesterday' } })).toThrow(named('deliver.time'));
      expect(() => subscriber.subscribe(`${root}.x`, () => undefined, { durable: 'a.b' })).toThrow(named('durable'));
      expect(() => createJetStreamPublisher(nc, { requestTimeoutMs: -1 })).toThrow(named('requestTimeoutMs'));
      expect(() => createJetStreamPublisher(nc, { codec: {} as never })).toThrow(named('codec'));
      expect(() => createJetStreamSubscriber(nc, { stream: 'S', codec: 'json' as never })).toThrow(named('codec'));
      expect(() => subscriber.subscribe(`${root}..x`, () => undefined)).toThrow(expect.objectContaining({ code: 'invalid_subject' }));
    });

    it('after close: subscribe throws closed', async () => {
      await subscriber.close();
      expect(() => subscriber.subscribe(`${root}.x`, () => undefined)).toThrow(expect.objectContaining({ code: 'closed' }));
    });
  });

  describe('pull consumer', () => {
    it('fetch waits for the first message, returns what is waiting up to max, and [] on abort', async () => {
      const consumer = await createJetStreamConsumer(nc, { stream, filter: `${root}.pull` });
      const waiting = consumer.fetch(10, { timeoutMs: 5000 });
      await pullWaiting(nc, stream, consumer.name); // the fetch is waiting on the server, not racing the publish
      await pub.publish(`${root}.pull`, 'first');
      const [first] = await waiting;
      expect(first).toMatchObject({ payload: 'first', hasAcker: true });
      await first?.ack();
      for (let i = 0; i < 5; i++) await pub.publish(`${root}.pull`, i);
      const batch = await consumer.fetch(3);
      expect(batch.map((m) => m.payload)).toEqual([0, 1, 2]);
      await Promise.all(batch.map((m) => m.ack()));
      const rest = await consumer.fetch(10);
      expect(rest.map((m) => m.payload)).toEqual([3, 4]);
      await Promise.all(rest.map((m) => m.ack()));
      const controller = new AbortController();
      const started = Date.now();
      const pending = consumer.fetch(1, { signal: controller.signal }); // nothing left: waits until the abort
      await pullWaiting(nc, stream, consumer.name);
      controller.abort();
      expect(await pending).toEqual([]);
      expect(await consumer.fetch(1, { signal: controller.signal })).toEqual([]); // already aborted
      expect(await consumer.fetch(1, { timeoutMs: 100 })).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1000);
      await consumer.close();
      await expect(consumer.fetch(1)).rejects.toMatchObject({ code: 'closed' });
    });
  });

  describe('ensureStream', () => {
    it('is idempotent, and a conflicting config is a clear invalid_argument error', async () => {
      const again = await ensureStream(nc, { name: stream, subjects: [`${root}.>`] });
      expect(again.created).toBe(false);
      const error = await ensureStream(nc, { name: stream, subjects: [`${root}.other.>`] }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'invalid_argument', name: 'StreamConfigConflictError', stream });
      expect((error as { differences: unknown[] }).differences).toEqual([{ field: 'subjects', existing: [`${root}.>`], requested: [`${root}.other.>`] }]);
      expect((error as Error).message).toContain('subjects');
    });
  });
});
