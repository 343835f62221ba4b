/**
 * Telemetry through the outbox: the trace started at enqueue continues at delivery, even when the outbox
 * that delivers is not the one that enqueued (a reload between the two); depth and dead letters are metered.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { createMemoryBus } from '../../src/memory/index.js';
import { createOutbox, memoryStore } from '../../src/outbox/index.js';
import type { Publisher } from '../../src/index.js';
import { OtelSdk, sum } from './otel-fixtures.js';

describe('telemetry through the outbox', () => {
  const sdk = new OtelSdk();
  afterAll(() => sdk.shutdown());

  it('continues the enqueue trace after a reload: the delivery span is its child, the consumer links to it', async () => {
    const store = memoryStore();
    // "before the reload": enqueue only, nobody relays
    const before = createOutbox({ store, telemetry: sdk.telemetry });
    await before.publish('orders.created', { id: 1 }, { id: 'o-1' });
    await before.close();
    const [enqueue] = await sdk.waitFor(SpanKind.PRODUCER, 'orders.created');
    expect(enqueue!.attributes).toMatchObject({ 'messaging.system': 'outbox', 'messaging.message.id': 'o-1' });

    // "after the reload": a new outbox on the same store relays to a bus
    const bus = createMemoryBus({ telemetry: sdk.telemetry });
    const arrived: Array<Record<string, string>> = [];
    bus.subscribe('orders.created', (m) => void arrived.push({ ...m.headers }));
    const after = createOutbox({ store, target: bus, telemetry: sdk.telemetry });
    await after.drained();
    const spans = await sdk.waitFor(SpanKind.PRODUCER, 'orders.created', 2);
    const delivery = spans.find((s) => s.attributes['messaging.system'] === 'memory');
    expect(delivery?.spanContext().traceId).toBe(enqueue!.spanContext().traceId);
    expect(delivery?.parentSpanContext?.spanId).toBe(enqueue!.spanContext().spanId);
    const [consumer] = await sdk.waitFor(SpanKind.CONSUMER, 'orders.created');
    expect(consumer!.links[0]?.context.spanId).toBe(delivery?.spanContext().spanId);
    expect(arrived[0]?.traceparent).toContain(delivery?.spanContext().spanId);
    await after.close();
    await bus.close();
  });

  it('reports the depth gauge and counts dead letters', async () => {
    const store = memoryStore();
    const refusing: Publisher = { publish: () => Promise.reject(Object.assign(new Error('nope'), { code: 'invalid_payload' })) };
    const outbox = createOutbox({ store, telemetry: sdk.telemetry, statusIntervalMs: 100 });
    await outbox.publish('metered.a', 1);
    await outbox.publish('metered.a', 2);
    await outbox.refreshStatus();
    let metrics = await sdk.metrics();
    const depth = metrics.get('isoflux.outbox.depth')?.dataPoints.find((p) => p.attributes['messaging.system'] === 'outbox');
    expect(depth?.value).toBe(2);
    await outbox.close();
    const relaying = createOutbox({ store, target: refusing, telemetry: sdk.telemetry, relay: { maxAttempts: 1 } });
    await relaying.drained();
    metrics = await sdk.metrics();
    expect(sum(metrics.get('isoflux.messages.dead_lettered'), { 'messaging.system': 'outbox' })).toBe(2);
    await relaying.close();
  });
});
