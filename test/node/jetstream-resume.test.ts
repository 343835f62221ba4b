/**
 * Resume after reload with a gap signal, against a real nats-server: a resumable JetStream subscription
 * saves the last processed stream sequence and resumes after it; when the stream discarded what came next
 * (`max_msgs`), the app gets a typed gap with the missing range. The IndexedDB store across a real page
 * reload is in test/e2e/leader-resume.spec.ts.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { startNatsServer, type NatsServer } from '../setup/nats-server.mjs';
import { connectNats } from '../../src/nats/index.js';
import { createJetStreamPublisher, createResumableSubscriber, ensureStream, JetStreamGapError, memoryResumeStore, type JetStreamPublisher, type ResumeGap, type ResumeStore } from '../../src/jetstream/index.js';
import type { Message } from '../../src/index.js';
import { Inbox } from '../portable/conformance/wait.js';
import { gate, until } from '../portable/waits.js';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.dispose();
});

let nc: NatsConnection;
let pub: JetStreamPublisher;
let store: ResumeStore;
let root: string;
let stream: string;
let n = 0;
const closers: Array<() => Promise<void>> = [];

beforeEach(async () => {
  nc = await connectNats(server.wsUrl as string, { reconnectTimeWait: 100, reconnectJitter: 0 });
  root = `r${n++}`;
  stream = root.toUpperCase();
  pub = createJetStreamPublisher(nc);
  store = memoryResumeStore();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await nc.close();
});

const publish = async (from: number, to: number): Promise<void> => {
  for (let i = from; i <= to; i++) await pub.publish(`${root}.e`, i);
};

/** One "page load": a resumable subscription that collects what it gets and the gaps it is told about. */
async function load(options: { onGap?: boolean; onError?: (error: unknown) => void; bufferSize?: number; retryDelayMs?: number; handler?: (m: Message<unknown>) => Promise<void> } = {}) {
  const subscriber = createResumableSubscriber(nc, { stream, store });
  closers.push(() => subscriber.close());
  const inbox = new Inbox();
  const gaps: ResumeGap[] = [];
  const resumed = await subscriber.subscribe(`${root}.>`, async (m) => {
    await options.handler?.(m);
    inbox.push(m);
  }, { key: 'view', ...(options.onGap === false ? {} : { onGap: (g: ResumeGap) => void gaps.push(g) }), ...(options.onError ? { onError: options.onError } : {}), ...(options.bufferSize ? { bufferSize: options.bufferSize } : {}), ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}) });
  await resumed.subscription.ready;
  return { subscriber, inbox, gaps, resumed };
}

describe('resumable JetStream subscription', () => {
  it('resumes after the last processed sequence on the next load, without a gap', async () => {
    await ensureStream(nc, { name: stream, subjects: [`${root}.>`] });
    await publish(1, 3);
    const first = await load();
    await first.inbox.waitFor(3);
    await first.resumed.flush();
    expect(first.resumed.resumedAfter).toBeUndefined();
    expect(await store.load('view')).toBe(3);
    await first.subscriber.close();

    await publish(4, 5);
    const second = await load();
    expect(second.resumed.resumedAfter).toBe(3);
    await second.inbox.waitFor(2);
    expect(second.inbox.payloads).toEqual([4, 5]);
    expect(second.inbox.messages.map((m) => m.delivery.sequence)).toEqual([4, 5]);
    expect(second.gaps).toEqual([]);
  });

  it('reports the discarded range as a gap when the stream no longer holds the next sequence', async () => {
    await ensureStream(nc, { name: stream, subjects: [`${root}.>`], max_msgs: 5 });
    await publish(1, 3);
    const first = await load();
    await first.inbox.waitFor(3);
    await first.subscriber.close();
    await first.resumed.flush();

    await publish(4, 13); // the stream keeps 9…13: 4…8 are gone
    const second = await load();
    expect(second.gaps).toEqual([{ type: 'gap', reason: 'discarded', stream, key: 'view', from: 4, to: 8 }]);
    await second.inbox.waitFor(5);
    expect(second.inbox.payloads).toEqual([9, 10, 11, 12, 13]);
  });

  it('without onGap, the gap reaches onError as a JetStreamGapError (code dropped)', async () => {
    await ensureStream(nc, { name: stream, subjects: [`${root}.>`], max_msgs: 2 });
    await store.save('view', 1);
    await publish(1, 6);
    const errors: unknown[] = [];
    const loaded = await load({ onGap: false, onError: (e) => errors.push(e) });
    await loaded.inbox.waitFor(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(JetStreamGapError);
    expect(errors[0]).toMatchObject({ code: 'dropped', gap: { reason: 'discarded', from: 2, to: 4 } });
  });

  it('reports a reset when the stream ends before the saved position, and starts from its first message', async () => {
    await ensureStream(nc, { name: stream, subjects: [`${root}.>`] });
    await store.save('view', 50);
    await publish(1, 2);
    const loaded = await load();
    expect(loaded.gaps).toEqual([{ type: 'gap', reason: 'reset', stream, key: 'view', lastProcessed: 50, streamLastSequence: 2 }]);
    await loaded.inbox.waitFor(2);
    expect(loaded.inbox.payloads).toEqual([1, 2]);
  });

  it('reports a gap while running, when messages are discarded before the subscription reached them', async () => {
    await ensureStream(nc, { name: stream, subjects: [`${root}.>`], max_msgs: 3 });
    const held = gate();
    const entered = gate();
    let holding = true;
    const loaded = await load({
      bufferSize: 1,
      handler: async () => {
        entered.open();
        if (holding) await held.promise;
      },
    });
    await publish(1, 1);
    await entered.promise;
    await publish(2, 12); // while the handler holds message 1, the stream keeps only 10…12
    holding = false;
    held.open();
    await until(() => loaded.inbox.payloads.includes(12));
    const discarded = loaded.gaps.filter((g) => g.reason === 'discarded');
    expect(discarded.length).toBeGreaterThanOrEqual(1);
    // every sequence is either processed or inside a reported gap, and no gap covers a processed one
    const processed = new Set(loaded.inbox.messages.map((m) => m.delivery.sequence as number));
    const inGap = (s: number): boolean => discarded.some((g) => g.reason === 'discarded' && s >= g.from && s <= g.to);
    for (let s = 1; s <= 12; s++) expect(processed.has(s) !== inGap(s), `sequence ${s}`).toBe(true);
  });

  it('never saves a position past a message still waiting for redelivery', async () => {
    await ensureStream(nc, { name: stream, subjects: [`${root}.>`] });
    const loaded = await load({
      // the failed message comes back only after a minute: long after this test looked
      retryDelayMs: 60_000,
      handler: async (m) => {
        if (m.delivery.sequence === 2) throw new Error('message 2 fails');
      },
      onError: () => undefined,
    });
    await publish(1, 4);
    await until(() => loaded.inbox.payloads.includes(4));
    await loaded.resumed.flush();
    // 1, 3 and 4 were processed, 2 waits for its redelivery: the saved position stays at 1
    expect(loaded.inbox.payloads).toEqual([1, 3, 4]);
    expect(loaded.resumed.position).toBe(1);
    expect(await store.load('view')).toBe(1);
  });
});
