import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propagation, SpanKind } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { createMemoryBus } from '../../src/memory/index.js';
import { createOtelTelemetry } from '../../src/otel/index.js';

describe('OpenTelemetry (real SDK, in-memory exporters)', () => {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const telemetry = createOtelTelemetry({ tracerProvider, meterProvider });

  beforeAll(() => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(async () => {
    propagation.disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });

  async function collect(): Promise<Map<string, MetricData>> {
    metricExporter.reset();
    await reader.forceFlush();
    const byName = new Map<string, MetricData>();
    for (const resource of metricExporter.getMetrics()) for (const scope of resource.scopeMetrics) for (const m of scope.metrics) byName.set(m.descriptor.name, m);
    return byName;
  }
  const total = (m: MetricData | undefined): number => (m?.dataPoints ?? []).reduce((sum, p) => sum + (typeof p.value === 'number' ? p.value : 0), 0);

  it('links the consumer span to the producer span through W3C trace context in the headers', async () => {
    spans.reset();
    const bus = createMemoryBus({ telemetry });
    const seen: Array<Record<string, string>> = [];
    bus.subscribe('orders.created', async (m) => void seen.push({ ...m.headers }), { queue: 'billing' });
    await bus.publish('orders.created', { id: 1 }, { id: 'msg-1', untilHandled: true });
    const finished = spans.getFinishedSpans();
    const producer = finished.find((s) => s.kind === SpanKind.PRODUCER);
    const consumer = finished.find((s) => s.kind === SpanKind.CONSUMER);
    expect(producer?.name).toBe('publish orders.created');
    expect(consumer?.name).toBe('process orders.created');
    expect(seen[0]?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(seen[0]?.traceparent).toContain(producer?.spanContext().spanId);
    // a link, not a parent: the consumer starts its own trace step
    expect(consumer?.links[0]?.context.spanId).toBe(producer?.spanContext().spanId);
    expect(consumer?.parentSpanContext?.spanId).not.toBe(producer?.spanContext().spanId);
    expect(producer?.attributes).toMatchObject({ 'messaging.system': 'memory', 'messaging.destination.name': 'orders.created', 'messaging.message.id': 'msg-1', 'messaging.operation.type': 'send' });
    expect(consumer?.attributes).toMatchObject({ 'messaging.message.id': 'msg-1', 'messaging.consumer.group.name': 'billing', 'messaging.operation.type': 'process' });
    await bus.close();
  });

  it('marks a failing handler span as an error', async () => {
    spans.reset();
    const bus = createMemoryBus({ telemetry, onError: () => undefined });
    bus.subscribe('jobs.run', () => {
      throw Object.assign(new Error('boom'), { code: 'job_failed' });
    });
    await bus.publish('jobs.run', 1).catch(() => undefined);
    const consumer = spans.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER);
    expect(consumer?.status.code).toBe(2);
    expect(consumer?.attributes['error.type']).toBe('job_failed');
    await bus.close();
  });

  it('counts published, delivered and dropped messages, handler durations and consumer lag', async () => {
    const bus = createMemoryBus({ telemetry });
    const release: Array<() => void> = [];
    const slow = bus.subscribe('metrics.slow', () => new Promise<void>((r) => release.push(r)), { bufferSize: 2, overflow: 'drop-newest' });
    for (let i = 0; i < 6; i++) await bus.publish('metrics.slow', i);
    let m = await collect();
    expect(total(m.get('messaging.client.sent.messages'))).toBeGreaterThanOrEqual(6);
    expect(total(m.get('isoflux.messages.dropped'))).toBeGreaterThanOrEqual(3);
    const dropPoint = m.get('isoflux.messages.dropped')?.dataPoints.find((p) => p.attributes['isoflux.subscription.pattern'] === 'metrics.slow');
    expect(dropPoint?.attributes).toMatchObject({ 'isoflux.overflow.policy': 'drop-newest', 'isoflux.drop.reason': 'overflow' });
    const lag = m.get('isoflux.consumer.lag')?.dataPoints.find((p) => p.attributes['messaging.destination.name'] === 'metrics.slow');
    expect(lag?.value).toBe(2);
    while (release.length > 0) {
      release.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    }
    m = await collect();
    expect(total(m.get('messaging.client.consumed.messages'))).toBeGreaterThanOrEqual(3);
    expect(m.get('messaging.process.duration')?.dataPoints.length).toBeGreaterThan(0);
    await slow.unsubscribe();
    m = await collect();
    // (a cumulative reader may repeat the last point; it must not report a backlog for a closed subscription)
    expect(m.get('isoflux.consumer.lag')?.dataPoints.find((p) => p.attributes['messaging.destination.name'] === 'metrics.slow')?.value ?? 0).toBe(0);
    await bus.close();
  });

  it('a relay (outbox after a reload, worker host) that publishes stored headers continues their trace', async () => {
    spans.reset();
    const before = createMemoryBus({ telemetry });
    let stored: Record<string, string> = {};
    before.subscribe('orders.queued', (m) => void (stored = { ...m.headers }));
    await before.publish('orders.queued', 1);
    const enqueue = spans.getFinishedSpans().find((s) => s.kind === SpanKind.PRODUCER);
    // a fresh bus, no active span: only the persisted headers know the trace
    const after = createMemoryBus({ telemetry });
    const arrived: Array<Record<string, string>> = [];
    after.subscribe('orders.created', (m) => void arrived.push({ ...m.headers }));
    await after.publish('orders.created', 1, { headers: stored });
    const relay = spans.getFinishedSpans().find((s) => s.kind === SpanKind.PRODUCER && s.name === 'publish orders.created');
    const consumer = spans.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER && s.name === 'process orders.created');
    expect(relay?.spanContext().traceId).toBe(enqueue?.spanContext().traceId);
    expect(relay?.parentSpanContext?.spanId).toBe(enqueue?.spanContext().spanId);
    expect(arrived[0]?.traceparent).toContain(relay?.spanContext().spanId);
    expect(consumer?.links[0]?.context.spanId).toBe(relay?.spanContext().spanId);
    await Promise.all([before.close(), after.close()]);
  });

  it('records nothing and adds no headers when no SDK is registered', async () => {
    const bus = createMemoryBus({ telemetry: createOtelTelemetry() });
    const seen: Array<Record<string, string>> = [];
    bus.subscribe('quiet', (m) => void seen.push({ ...m.headers }));
    await bus.publish('quiet', 1, { headers: { a: 'b' } });
    expect(seen).toEqual([{ a: 'b' }]);
    await bus.close();
  });
});
