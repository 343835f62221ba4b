/**
 * JetStream's own telemetry against the real server and the real OpenTelemetry SDK: ack outcomes,
 * redeliveries and dead letters are counted, and every delivery of a redelivered message links to the one
 * producer span. Runs in Node, Chromium, Deno and workerd.
 */
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from '../../src/nats/index.js';
import { createJetStreamConsumer, createJetStreamPublisher, createJetStreamSubscriber, ensureStream, type DeadLetter, type JetStreamPublisher } from '../../src/jetstream/index.js';
import { OtelSdk, sum } from './otel-fixtures.js';

describe('jetstream telemetry: ack outcomes, redeliveries, dead letters', () => {
  const sdk = new OtelSdk();
  let nc: NatsConnection;
  let root: string;
  let stream: string;
  let publisher: JetStreamPublisher;
  let n = 0;

  beforeEach(async () => {
    nc = await connectNats(inject('natsWsUrl'));
    root = `otm${Date.now().toString(36)}${(n++).toString(36)}`;
    stream = root.toUpperCase();
    await ensureStream(nc, { name: stream, subjects: [`${root}.>`] });
    publisher = createJetStreamPublisher(nc, { telemetry: sdk.telemetry });
  });
  afterEach(async () => {
    await (await publisher.jetstream.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.close();
  });
  afterAll(() => sdk.shutdown());

  it('counts ack, nak and term, a redelivery (attempt 2) and the dead letter, per subscription', async () => {
    const letters: DeadLetter[] = [];
    const subscriber = createJetStreamSubscriber(nc, { stream, telemetry: sdk.telemetry, maxDeliver: 2, deadLetter: (letter) => void letters.push(letter) });
    const pattern = `${root}.jobs.*`;
    const handled: string[] = [];
    subscriber.subscribe(
      pattern,
      (m) => {
        handled.push(`${m.subject}#${m.delivery.attempt}`);
        if (m.subject.endsWith('.bad')) throw new Error('always fails');
      },
      { onError: () => undefined },
    );
    await publisher.publish(`${root}.jobs.ok`, 1);
    await publisher.publish(`${root}.jobs.bad`, 2, { id: 'bad-1' });
    for (let i = 0; i < 200 && letters.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(letters.map((l) => l.id)).toEqual(['bad-1']);
    expect(handled).toEqual(expect.arrayContaining([`${root}.jobs.ok#1`, `${root}.jobs.bad#1`, `${root}.jobs.bad#2`]));

    const m = await sdk.metrics();
    const settled = m.get('isoflux.messages.settled');
    const outcome = (o: string): number => sum(settled, { 'messaging.system': 'jetstream', 'isoflux.subscription.pattern': pattern, 'isoflux.settle.outcome': o });
    expect([outcome('ack'), outcome('nak'), outcome('term')]).toEqual([1, 1, 1]);
    expect(sum(m.get('isoflux.messages.redelivered'), { 'messaging.system': 'jetstream', 'messaging.destination.name': `${root}.jobs.bad` })).toBe(1);
    expect(sum(m.get('isoflux.messages.dead_lettered'), { 'messaging.system': 'jetstream', 'messaging.destination.name': `${root}.jobs.bad` })).toBe(1);
    expect(sum(m.get('messaging.client.consumed.messages'), { 'messaging.system': 'jetstream', 'messaging.destination.name': `${root}.jobs.bad` })).toBe(2);
    expect(sum(m.get('messaging.client.sent.messages'), { 'messaging.system': 'jetstream', 'messaging.destination.name': `${root}.jobs.bad` })).toBe(1);

    // both deliveries of the failing message link to its one producer span, and say which attempt they were
    const [producer] = await sdk.waitFor(SpanKind.PRODUCER, `${root}.jobs.bad`);
    const consumers = await sdk.waitFor(SpanKind.CONSUMER, `${root}.jobs.bad`, 2);
    expect(consumers.map((s) => s.attributes['isoflux.delivery.attempt']).sort()).toEqual([1, 2]);
    for (const span of consumers) {
      expect(span.links[0]?.context.spanId).toBe(producer!.spanContext().spanId);
      expect(span.status.code).toBe(2);
    }
    await subscriber.close();
  });

  it('counts what a pull consumer settles (ack and term) under its filter', async () => {
    const filter = `${root}.pull.>`;
    const consumer = await createJetStreamConsumer(nc, { stream, filter, telemetry: sdk.telemetry });
    await publisher.publish(`${root}.pull.a`, 1);
    await publisher.publish(`${root}.pull.b`, 2);
    const got = [];
    while (got.length < 2) got.push(...(await consumer.fetch(2, { timeoutMs: 2000 })));
    await got[0]!.ack();
    await got[1]!.term('poison');
    const settled = (await sdk.metrics()).get('isoflux.messages.settled');
    expect(sum(settled, { 'isoflux.subscription.pattern': filter, 'isoflux.settle.outcome': 'ack' })).toBe(1);
    expect(sum(settled, { 'isoflux.subscription.pattern': filter, 'isoflux.settle.outcome': 'term' })).toBe(1);
    await consumer.close();
  });
});
