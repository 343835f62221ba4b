/**
 * Permanent JetStream refusals from a real nats-server, through the outbox (memory store), in every runtime:
 * a message over the stream's max_msg_size (10054) and a subject no stream captures go to the dead letters
 * with their reason, while the rest of their subject is stored once each.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { createJetStreamPublisher, type JetStreamPublisher } from '../../src/jetstream/index.js';
import { createOutbox, memoryStore } from '../../src/outbox/index.js';
import { useTestStream } from './jetstream-fixtures.js';

describe('outbox into JetStream: permanent refusals', () => {
  let nc: NatsConnection;
  let js: JetStreamPublisher;
  let root: string;
  let stream: string;
  const t = useTestStream('obe', { max_msg_size: 512, duplicate_window: 60_000_000_000 });

  beforeEach(() => {
    ({ nc, root, stream } = t);
    js = createJetStreamPublisher(nc);
  });

  it('dead-letters a message over max_msg_size at once (10054) and keeps the subject flowing', async () => {
    const box = createOutbox({ store: memoryStore(), target: js, relay: { backoff: () => 20 } });
    await box.publish(`${root}.orders`, { n: 1 });
    await box.publish(`${root}.orders`, { big: 'x'.repeat(2000) });
    await box.publish(`${root}.orders`, { n: 2 });
    await box.drained();
    const [letter, ...more] = await box.deadLetters.list();
    expect(more).toEqual([]);
    expect(letter).toMatchObject({ reason: 'rejected', attempts: 1, errorCode: 'remote_error' });
    expect(letter!.lastError).toMatch(/10054/);
    expect((await (await js.jetstream.jetstreamManager()).streams.info(stream)).state.messages).toBe(2);
    await box.close();
  });

  it('dead-letters a subject no stream captures once noRespondersGraceMs ran out', async () => {
    const box = createOutbox({ store: memoryStore(), target: js, relay: { backoff: () => 20, noRespondersGraceMs: 100 } });
    await box.publish(`nostream${root}.x`, 1);
    await box.publish(`${root}.orders`, 2);
    await box.drained();
    expect((await box.deadLetters.list()).map((l) => [l.subject, l.reason, l.errorCode])).toEqual([[`nostream${root}.x`, 'rejected', 'no_responders']]);
    expect((await box.refreshStatus()).retried).toBeGreaterThan(0);
    await box.close();
  });
});
