/**
 * Telemetry across transports, with the real OpenTelemetry SDK: for each transport a message is published
 * on one endpoint and handled on another, and the consumer span must link to the producer span through the
 * W3C `traceparent` header the message carried. Runs in Node, Chromium, Deno and workerd (broadcast where
 * BroadcastChannel exists).
 */
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats, createNatsBus } from '../../src/nats/index.js';
import { createJetStreamPublisher, createJetStreamSubscriber, ensureStream } from '../../src/jetstream/index.js';
import { createHttpClient, createHttpHandler } from '../../src/http/index.js';
import { createBroadcastBus } from '../../src/broadcast/index.js';
import type { Headers } from '../../src/index.js';
import { inProcessFetch } from './http-fixtures.js';
import { OtelSdk, TRACEPARENT, expectLinked } from './otel-fixtures.js';

const sdk = new OtelSdk();
afterAll(() => sdk.shutdown());
let n = 0;
const unique = (prefix: string): string => `${prefix}${Date.now().toString(36)}${(n++).toString(36)}`;

/** Resolves with the headers of the first message a handler receives. */
function firstHeaders(): { handler: (m: { headers: Headers }) => void; arrived: Promise<Headers> } {
  let resolve!: (h: Headers) => void;
  const arrived = new Promise<Headers>((r) => (resolve = r));
  return { handler: (m) => resolve(m.headers), arrived };
}

describe('telemetry over NATS (two connections)', () => {
  let publisherConn: NatsConnection;
  let subscriberConn: NatsConnection;
  beforeEach(async () => {
    [publisherConn, subscriberConn] = await Promise.all([connectNats(inject('natsWsUrl')), connectNats(inject('natsWsUrl'))]);
  });
  afterEach(async () => {
    await Promise.all([publisherConn.close(), subscriberConn.close()]);
  });

  it('nats: the consumer span on the other connection links to the producer span', async () => {
    const subject = `${unique('otn')}.orders`;
    const publisher = createNatsBus(publisherConn, { telemetry: sdk.telemetry });
    const subscriber = createNatsBus(subscriberConn, { telemetry: sdk.telemetry });
    const seen = firstHeaders();
    await subscriber.subscribe(subject, seen.handler, { queue: 'billing' }).ready;
    await publisher.publish(subject, { n: 1 }, { id: 'nats-1', headers: { tenant: 't1' } });
    const arrived = await seen.arrived;
    const [producer] = await sdk.waitFor(SpanKind.PRODUCER, subject);
    const [consumer] = await sdk.waitFor(SpanKind.CONSUMER, subject);
    expectLinked(producer!, consumer!, arrived, 'nats');
    expect(arrived.tenant).toBe('t1');
    expect(consumer!.attributes).toMatchObject({ 'messaging.message.id': 'nats-1', 'messaging.consumer.group.name': 'billing', 'messaging.destination.name': subject });
    await Promise.all([publisher.close(), subscriber.close()]);
  });

  it('nats request: the responder span links to the requester span', async () => {
    const subject = `${unique('otr')}.price`;
    const requester = createNatsBus(publisherConn, { telemetry: sdk.telemetry });
    const responder = createNatsBus(subscriberConn, { telemetry: sdk.telemetry });
    let arrived: Headers = {};
    await responder.respond(subject, (m) => ((arrived = m.headers), 42)).ready;
    expect((await requester.request(subject, 'x')).payload).toBe(42);
    const [producer] = await sdk.waitFor(SpanKind.PRODUCER, subject);
    const [consumer] = await sdk.waitFor(SpanKind.CONSUMER, subject);
    expectLinked(producer!, consumer!, arrived, 'nats');
    await Promise.all([requester.close(), responder.close()]);
  });

  it('jetstream: the consumer span links to the span of the publish stored in the stream', async () => {
    const root = unique('otj');
    const stream = root.toUpperCase();
    await ensureStream(publisherConn, { name: stream, subjects: [`${root}.>`] });
    const publisher = createJetStreamPublisher(publisherConn, { telemetry: sdk.telemetry });
    const subscriber = createJetStreamSubscriber(subscriberConn, { stream, telemetry: sdk.telemetry });
    const subject = `${root}.orders`;
    const ack = await publisher.publishWithAck(subject, { n: 1 }, { id: 'js-1' });
    const seen = firstHeaders();
    subscriber.subscribe(subject, seen.handler);
    const arrived = await seen.arrived;
    const [producer] = await sdk.waitFor(SpanKind.PRODUCER, subject);
    const [consumer] = await sdk.waitFor(SpanKind.CONSUMER, subject);
    expectLinked(producer!, consumer!, arrived, 'jetstream');
    expect(producer!.attributes['messaging.message.id']).toBe(ack.id);
    expect(consumer!.attributes).toMatchObject({ 'messaging.message.id': 'js-1', 'isoflux.delivery.attempt': 1 });
    await subscriber.close();
    await (await publisher.jetstream.jetstreamManager()).streams.delete(stream);
  });
});

describe('telemetry over HTTP (fetch client → Request/Response handler)', () => {
  it('http: the handler span links to the client span through the traceparent request header', async () => {
    const handler = createHttpHandler({ telemetry: sdk.telemetry });
    const client = createHttpClient('http://isoflux.test/', { fetch: inProcessFetch(handler), telemetry: sdk.telemetry });
    const subject = `${unique('oth')}.created`;
    const seen = firstHeaders();
    handler.subscribe(subject, seen.handler);
    await client.publish(subject, { n: 1 }, { id: 'http-1' });
    const arrived = await seen.arrived;
    const [producer] = await sdk.waitFor(SpanKind.PRODUCER, subject);
    const [consumer] = await sdk.waitFor(SpanKind.CONSUMER, subject);
    expectLinked(producer!, consumer!, arrived, 'http');
    expect(producer!.attributes['messaging.message.id']).toBe('http-1');
    expect(consumer!.attributes['messaging.message.id']).toBe('http-1');
    await handler.close();
  });

  it('http: a traceparent from any instrumented client (not named in isoflux-headers) is linked too', async () => {
    const handler = createHttpHandler({ telemetry: sdk.telemetry });
    const subject = `${unique('otx')}.hook`;
    const seen = firstHeaders();
    handler.subscribe(subject, seen.handler);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await handler.fetch(new Request(`http://isoflux.test/${subject}`, { method: 'POST', body: '{}', headers: { traceparent, 'content-type': 'application/json' } }));
    expect(response.status).toBe(204);
    expect((await seen.arrived).traceparent).toBe(traceparent);
    const [consumer] = await sdk.waitFor(SpanKind.CONSUMER, subject);
    expect(consumer!.links[0]?.context).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' });
    await handler.close();
  });
});

if (typeof BroadcastChannel === 'function') {
  describe('telemetry over BroadcastChannel (two buses, as two tabs)', () => {
    it('broadcast: the span in the other tab links to the publishing tab span', async () => {
      const namespace = unique('otb');
      const tabA = createBroadcastBus({ namespace, telemetry: sdk.telemetry, locks: null });
      const tabB = createBroadcastBus({ namespace, telemetry: sdk.telemetry, locks: null });
      await Promise.all([tabA.waitForPeers(1), tabB.waitForPeers(1)]);
      const subject = 'cart.updated';
      const seen = firstHeaders();
      await tabB.subscribe(subject, seen.handler).ready;
      await tabA.publish(subject, { items: 2 }, { id: `${namespace}-1` });
      const arrived = await seen.arrived;
      const producer = (await sdk.waitFor(SpanKind.PRODUCER, subject)).find((s) => s.attributes['messaging.message.id'] === `${namespace}-1`);
      const consumer = (await sdk.waitFor(SpanKind.CONSUMER, subject)).find((s) => s.attributes['messaging.message.id'] === `${namespace}-1`);
      expect(arrived.traceparent).toMatch(TRACEPARENT);
      expectLinked(producer!, consumer!, arrived, 'broadcast');
      await Promise.all([tabA.close(), tabB.close()]);
    });
  });
} else {
  describe('telemetry over BroadcastChannel', () => {
    it('is not applicable where BroadcastChannel is missing (workerd): the bus refuses with unsupported', () => {
      expect(() => createBroadcastBus({ namespace: 'x' })).toThrow(expect.objectContaining({ code: 'unsupported' }));
    });
  });
}
