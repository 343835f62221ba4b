/**
 * The outbox relaying into a real JetStream stream (memory store), in every runtime: ids become Nats-Msg-Id,
 * headers travel, and a resend after a relay died between the ack and the removal is stored once.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { createJetStreamPublisher, type JetStreamPublisher } from '../../src/jetstream/index.js';
import { createOutbox, memoryStore } from '../../src/outbox/index.js';
import { sleep } from './conformance/wait.js';
import { wrapStore } from './outbox-fixtures.js';
import { useTestStream } from './jetstream-fixtures.js';

describe('outbox into JetStream', () => {
  let nc: NatsConnection;
  let js: JetStreamPublisher;
  let root: string;
  let stream: string;
  const t = useTestStream('ob');

  beforeEach(() => {
    ({ nc, root, stream } = t);
    js = createJetStreamPublisher(nc);
  });

  const stored = async (): Promise<number> => (await (await js.jetstream.jetstreamManager()).streams.info(stream)).state.messages;

  it('delivers every entry once, with its id as Nats-Msg-Id and its headers', async () => {
    const box = createOutbox({ store: memoryStore(), target: js });
    await Promise.all(Array.from({ length: 50 }, (_, i) => box.publish(`${root}.orders`, { i }, { id: `order-${i}`, headers: { traceparent: `tp-${i}` } })));
    await box.drained();
    await box.close();
    expect(await stored()).toBe(50);
    const last = await (await js.jetstream.jetstreamManager()).streams.getMessage(stream, { last_by_subj: `${root}.orders` });
    expect(last?.header.get('Nats-Msg-Id')).toBe('order-49');
    expect(last?.header.get('traceparent')).toBe('tp-49');
    expect(last?.json()).toEqual({ i: 49 });
  });

  it('a relay that died after the acks but before the removals is resent by the next one and stored once', async () => {
    const inner = memoryStore();
    // The first relay's removals never reach the store: as if its tab died right after JetStream acked.
    const dying = createOutbox({ store: wrapStore(inner, { remove: async () => undefined }), target: js });
    await Promise.all(Array.from({ length: 20 }, (_, i) => dying.publish(`${root}.orders`, { i })));
    while ((await stored()) < 20) await sleep(10);
    await dying.close();
    expect((await inner.stats()).depth).toBe(20);

    const next = createOutbox({ store: inner, target: js });
    await next.drained();
    expect((await next.refreshStatus()).delivered).toBe(20);
    await next.close();
    expect(await stored()).toBe(20);
  });
});
