/**
 * The real OpenTelemetry SDK with in-memory exporters, for the telemetry tests of every transport: spans
 * and metrics are read back exactly as an exporter would send them. Nothing global is registered (the
 * providers and the propagator are passed to `createOtelTelemetry`), so test files running in one process
 * (Deno, workerd) cannot see each other's spans.
 */
import { expect } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { createOtelTelemetry } from '../../src/otel/index.js';
import type { Telemetry } from '../../src/core/telemetry.js';

/** A W3C `traceparent` value. */
export const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

/** One SDK: a tracer and a meter provider with in-memory exporters, and the telemetry built on them. */
export class OtelSdk {
  readonly spans = new InMemorySpanExporter();
  readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.spans)] });
  readonly #metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  readonly #reader = new PeriodicExportingMetricReader({ exporter: this.#metrics, exportIntervalMillis: 3_600_000 });
  readonly meterProvider = new MeterProvider({ readers: [this.#reader] });
  readonly telemetry: Telemetry = createOtelTelemetry({ tracerProvider: this.tracerProvider, meterProvider: this.meterProvider, propagator: new W3CTraceContextPropagator() });

  /** Finished spans of `kind` whose name is `<operation> <subject>`. */
  finished(kind: SpanKind, subject: string): ReadableSpan[] {
    const prefix = kind === SpanKind.PRODUCER ? 'publish ' : 'process ';
    return this.spans.getFinishedSpans().filter((s) => s.kind === kind && s.name === prefix + subject);
  }

  /** Waits until `count` spans of `kind` on `subject` have ended (handlers end their span after the delivery is seen). */
  async waitFor(kind: SpanKind, subject: string, count = 1, timeoutMs = 5000): Promise<ReadableSpan[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.finished(kind, subject);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`expected ${count} ${kind === SpanKind.PRODUCER ? 'producer' : 'consumer'} span(s) on ${subject}, found ${found.length}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** The current metrics by instrument name (cumulative since the start). */
  async metrics(): Promise<Map<string, MetricData>> {
    this.#metrics.reset();
    await this.#reader.forceFlush();
    const byName = new Map<string, MetricData>();
    for (const resource of this.#metrics.getMetrics()) for (const scope of resource.scopeMetrics) for (const m of scope.metrics) byName.set(m.descriptor.name, m);
    return byName;
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.tracerProvider.shutdown(), this.meterProvider.shutdown()]);
  }
}

/** Sum of a counter's points whose attributes include `match`. */
export function sum(metric: MetricData | undefined, match: Record<string, string | number> = {}): number {
  let total = 0;
  for (const point of metric?.dataPoints ?? []) {
    if (Object.entries(match).every(([k, v]) => point.attributes[k] === v) && typeof point.value === 'number') total += point.value;
  }
  return total;
}

/**
 * The cross-endpoint proof every transport's test makes: the handler saw a `traceparent` naming the
 * producer span, and the consumer span links to that span (a link, not a parent) with the messaging
 * attributes of `system`.
 */
export function expectLinked(producer: ReadableSpan, consumer: ReadableSpan, arrived: Readonly<Record<string, string>>, system: string): void {
  const { traceId, spanId } = producer.spanContext();
  expect(arrived.traceparent).toMatch(TRACEPARENT);
  expect(arrived.traceparent).toContain(`${traceId}-${spanId}`);
  expect(consumer.links.length).toBe(1);
  expect(consumer.links[0]?.context.spanId).toBe(spanId);
  expect(consumer.links[0]?.context.traceId).toBe(traceId);
  expect(consumer.parentSpanContext?.spanId).not.toBe(spanId);
  expect(producer.attributes).toMatchObject({ 'messaging.system': system, 'messaging.operation.type': 'send' });
  expect(consumer.attributes).toMatchObject({ 'messaging.system': system, 'messaging.operation.type': 'process' });
}
