/**
 * Telemetry over PostgreSQL LISTEN/NOTIFY with the real OpenTelemetry SDK: published on one `postgres`
 * client, handled on another (two "processes"); the consumer span links to the producer span through the
 * `traceparent` the NOTIFY envelope carried. Runs in Node and Deno.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import postgres from 'postgres';
import { createPostgresBus } from '../../src/postgres/index.js';
import type { Headers } from '../../src/index.js';
import { OtelSdk, expectLinked, sum } from '../portable/otel-fixtures.js';

describe('postgres telemetry', () => {
  const sdk = new OtelSdk();
  afterAll(() => sdk.shutdown());

  it('postgres: the consumer span on the other client links to the producer span', async () => {
    const sqlA = postgres(inject('pgUrl'), { max: 2, onnotice: () => undefined });
    const sqlB = postgres(inject('pgUrl'), { max: 2, onnotice: () => undefined });
    const namespace = `isoflux_otel_${Date.now().toString(36)}`;
    const publisher = createPostgresBus(sqlA, { namespace, telemetry: sdk.telemetry });
    const subscriber = createPostgresBus(sqlB, { namespace, telemetry: sdk.telemetry });
    try {
      let resolve!: (h: Headers) => void;
      const arrived = new Promise<Headers>((r) => (resolve = r));
      await subscriber.subscribe('orders.*', (m) => resolve(m.headers)).ready;
      await publisher.publish('orders.created', { n: 1 }, { id: 'pg-1', headers: { tenant: 't1' } });
      const headers = await arrived;
      const [producer] = await sdk.waitFor(SpanKind.PRODUCER, 'orders.created');
      const [consumer] = await sdk.waitFor(SpanKind.CONSUMER, 'orders.created');
      expectLinked(producer!, consumer!, headers, 'postgres');
      expect(headers.tenant).toBe('t1');
      expect(consumer!.attributes).toMatchObject({ 'messaging.message.id': 'pg-1', 'messaging.destination.subscription.name': 'orders.*' });
      const m = await sdk.metrics();
      expect(sum(m.get('messaging.client.sent.messages'), { 'messaging.system': 'postgres' })).toBe(1);
      expect(sum(m.get('messaging.client.consumed.messages'), { 'messaging.system': 'postgres' })).toBe(1);
      expect(m.get('messaging.client.operation.duration')?.dataPoints.length).toBeGreaterThan(0);
    } finally {
      await Promise.all([publisher.close(), subscriber.close()]);
      await Promise.all([sqlA.end({ timeout: 1 }), sqlB.end({ timeout: 1 })]);
    }
  });

  it('a publish that fails before sending ends its span with the error, and nothing is counted as consumed', async () => {
    const sql = postgres(inject('pgUrl'), { max: 1, onnotice: () => undefined });
    const bus = createPostgresBus(sql, { namespace: 'isoflux_otel_big', telemetry: sdk.telemetry });
    try {
      await expect(bus.publish('big.one', 'x'.repeat(9000))).rejects.toMatchObject({ code: 'payload_too_large' });
      const [producer] = await sdk.waitFor(SpanKind.PRODUCER, 'big.one');
      expect(producer!.status.code).toBe(2);
      expect(producer!.attributes['error.type']).toBe('payload_too_large');
    } finally {
      await bus.close();
      await sql.end({ timeout: 1 });
    }
  });
});
