/**
 * Stable ids for JetStream messages stored without `Nats-Msg-Id` (published by a plain nats.js client):
 * `<stream>:<sequence>` on every delivery, redelivery and replay, so `dedup` works on them. In every runtime.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { createJetStreamConsumer, createJetStreamSubscriber, type JetStreamSubscriber } from '../../src/jetstream/index.js';
import { dedup } from '../../src/middleware/index.js';
import type { Message } from '../../src/index.js';
import { Inbox } from './conformance/wait.js';
import { useTestStream } from './jetstream-fixtures.js';

describe('jetstream ids of messages stored without Nats-Msg-Id', () => {
  let nc: NatsConnection;
  let plain: JetStreamClient;
  let root: string;
  let stream: string;
  let subscriber: JetStreamSubscriber;
  const t = useTestStream('ids');

  beforeEach(() => {
    ({ nc, root, stream } = t);
    plain = jetstream(nc);
    subscriber = createJetStreamSubscriber(nc, { stream });
  });
  afterEach(async () => {
    await subscriber.close();
  });

  /** Publishes JSON through nats.js alone (no isoflux, no msgID) and returns the stored sequence. */
  async function publishPlain(subject: string, payload: unknown, headers?: Record<string, string>): Promise<number> {
    const h = natsHeaders();
    for (const [k, v] of Object.entries(headers ?? {})) h.set(k, v);
    const ack = await plain.publish(subject, JSON.stringify(payload), headers === undefined ? undefined : { headers: h });
    return ack.seq;
  }

  it('a nak and the redelivery carry the same id, <stream>:<sequence>', async () => {
    await publishPlain(`${root}.a`, 'first');
    const seq = await publishPlain(`${root}.a`, 'second');
    const inbox = new Inbox();
    const sub = subscriber.subscribe(`${root}.a`, (m: Message<unknown>) => (inbox.push(m), m.delivery.attempt === 1 && m.payload === 'second' ? m.nak() : m.ack()), { ack: 'manual' });
    await sub.ready;
    await inbox.waitFor(3, 5000);
    const second = inbox.messages.filter((m) => m.payload === 'second');
    expect(second.map((m) => [m.delivery.attempt, m.id])).toEqual([
      [1, `${stream}:${seq}`],
      [2, `${stream}:${seq}`],
    ]);
    expect(inbox.messages[0]?.id).toBe(`${stream}:1`);
  });

  it('an empty Nats-Msg-Id counts as absent; a set one is kept', async () => {
    const seq = await publishPlain(`${root}.e`, 'empty id', { 'Nats-Msg-Id': '', tenant: 't1' });
    await publishPlain(`${root}.e`, 'own id', { 'Nats-Msg-Id': 'mine-1' });
    const consumer = await createJetStreamConsumer(nc, { stream, filter: `${root}.e` });
    const got = await consumer.fetch(2, { timeoutMs: 5000 });
    expect(got.map((m) => [m.payload, m.id])).toEqual([
      ['empty id', `${stream}:${seq}`],
      ['own id', 'mine-1'],
    ]);
    expect(got[0]?.headers).toEqual({ tenant: 't1' });
    await Promise.all(got.map((m) => m.ack()));
    await consumer.close();
  });

  it('a replay from a sequence and a pull consumer see the ids the first subscription saw', async () => {
    for (const p of [1, 2, 3]) await publishPlain(`${root}.log`, p);
    const first = new Inbox();
    const sub = subscriber.subscribe(`${root}.log`, first.push);
    await sub.ready;
    await first.waitFor(3, 5000);
    await sub.unsubscribe();
    const ids = first.messages.map((m) => m.id);
    expect(ids).toEqual([1, 2, 3].map((seq) => `${stream}:${seq}`));

    const replay = new Inbox();
    const again = subscriber.subscribe(`${root}.log`, replay.push, { deliver: { sequence: 2 } });
    await again.ready;
    await replay.waitFor(2, 5000);
    await again.unsubscribe();
    expect(replay.messages.map((m) => m.id)).toEqual(ids.slice(1));

    const consumer = await createJetStreamConsumer(nc, { stream, filter: `${root}.log` });
    const pulled = await consumer.fetch(3, { timeoutMs: 5000 });
    expect(pulled.map((m) => m.id)).toEqual(ids);
    await Promise.all(pulled.map((m) => m.ack()));
    await consumer.close();
  });

  it('dedup skips a redelivery of an id-less message that was already handled', async () => {
    const handled: Message<unknown>[] = [];
    const duplicates: Message<unknown>[] = [];
    const inbox = new Inbox();
    // the handler succeeds but the message comes back anyway (as when its ack is lost): here a nak after the work
    const work = dedup({ onDuplicate: (m) => (duplicates.push(m), inbox.push(m)) })(async (m: Message<unknown>) => {
      handled.push(m);
      inbox.push(m);
      await m.nak();
    });
    await subscriber.subscribe(`${root}.d`, work, { ack: 'manual' }).ready;
    const seq = await publishPlain(`${root}.d`, 'charge card');
    await inbox.waitFor(2, 5000);
    expect(handled.map((m) => m.id)).toEqual([`${stream}:${seq}`]);
    expect(duplicates.map((m) => [m.id, m.delivery.attempt, m.settled])).toEqual([[`${stream}:${seq}`, 2, true]]);
  });
});
