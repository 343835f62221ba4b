/**
 * @module The telemetry group: what `isoflux/otel` costs on the memory bus's hot path (one literal subject,
 * one synchronous subscriber, fire-and-forget publishes), against the same bus without telemetry.
 * - `telemetry/overhead-noop`: `createOtelTelemetry()` with no OpenTelemetry SDK registered (the state of
 *   every app that installs isoflux/otel but has not set up tracing): target ≤ 5% overhead (≥ 0.95x the bare bus).
 * - `telemetry/overhead-sdk`: the real SDK, every message sampled (a producer and a consumer span, W3C
 *   trace context in the headers, counters and histograms), spans exported to an in-memory exporter.
 *   This measures the price of full tracing; no target, the ratio is reported as measured.
 * Needs nothing outside the process.
 */
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createMemoryBus } from '../../src/memory/index.js';
import type { Message } from '../../src/core/message.js';
import type { Telemetry } from '../../src/core/telemetry.js';
import { createOtelTelemetry } from '../../src/otel/index.js';
import { Sink, type Numbered } from '../lib/sink.js';
import type { Bench, BenchGroup, Contestant, Scenario } from '../lib/types.js';

const SUBJECT = 'bench.traced';

/** The memory bus with `telemetry` (or none), one synchronous subscriber, its own publish loop. */
function bench(telemetry: Telemetry | undefined, afterRun?: () => void, teardown?: () => Promise<void>): Bench {
  const bus = createMemoryBus<Record<string, Numbered>>(telemetry === undefined ? {} : { telemetry });
  const sink = new Sink();
  bus.subscribe(SUBJECT, (m: Message<Numbered>) => sink.add(m.payload));
  let next = 0;
  return {
    run(n) {
      const end = next + n;
      for (let i = next; i < end; i++) void bus.publish(SUBJECT, { n: i });
      next = end;
      afterRun?.();
    },
    delivered: () => sink.count,
    checksum: () => sink.total,
    teardown: async () => {
      await bus.close();
      await teardown?.();
    },
  };
}

const withoutTelemetry: Contestant = {
  name: 'no-telemetry',
  role: 'peer',
  note: 'createMemoryBus() without a telemetry option',
  setup: () => bench(undefined),
};

const noop: Scenario = {
  name: 'telemetry/overhead-noop',
  unit: 'msg/s',
  clock: 'cpu',
  description: 'publish to one literal subject, one synchronous subscriber; isoflux = the bus with createOtelTelemetry() and no SDK registered; msg/s = published messages per second',
  expectedDeliveries: (ops) => ops,
  contestants: [
    {
      name: 'isoflux',
      role: 'isoflux',
      note: 'createMemoryBus({ telemetry: createOtelTelemetry() }) with no tracer or meter provider registered: the transports ask telemetry.enabled() and skip the rest',
      setup: () => bench(createOtelTelemetry()),
    },
    withoutTelemetry,
  ],
  notMeasured: 'other transports (the memory bus stands for all: the check is the same telemetry.enabled() call), an SDK that is registered (see overhead-sdk).',
  target: { text: 'telemetry with no SDK: ≤ 5% overhead', conditions: [{ peer: 'no-telemetry', minRatio: 0.95 }] },
};

const sdk: Scenario = {
  name: 'telemetry/overhead-sdk',
  unit: 'msg/s',
  clock: 'cpu',
  description: 'as overhead-noop, with the real OpenTelemetry SDK sampling every message (producer + consumer span, traceparent header, metrics)',
  notMeasured: 'exporting over the network (spans go to an in-memory exporter), sampling below 100%, batch span processors.',
  expectedDeliveries: (ops) => ops,
  contestants: [
    {
      name: 'isoflux',
      role: 'isoflux',
      note: 'BasicTracerProvider (always-on sampler) + SimpleSpanProcessor + InMemorySpanExporter (emptied after every batch), MeterProvider with an in-memory exporter, W3C propagator',
      setup(): Bench {
        const spans = new InMemorySpanExporter();
        const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
        const meterProvider = new MeterProvider({
          readers: [new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 })],
        });
        const telemetry = createOtelTelemetry({ tracerProvider, meterProvider, propagator: new W3CTraceContextPropagator() });
        return bench(
          telemetry,
          () => spans.reset(),
          () => Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]).then(() => undefined),
        );
      },
    },
    withoutTelemetry,
  ],
};

const telemetry: BenchGroup = { name: 'telemetry', scenarios: [noop, sdk] };

export default telemetry;
