/**
 * isoflux's telemetry hooks on the OpenTelemetry API: producer and consumer spans (linked, not
 * parented: messaging is asynchronous), W3C trace context in message headers, and metrics.
 * @module
 */
import {
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  metrics,
  propagation,
  trace,
  type Attributes,
  type Context,
  type MeterProvider,
  type Span,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { DropReason, OverflowPolicy } from '../core/interfaces.js';
import type { Headers, Message } from '../core/message.js';
import type { ConsumeInfo, PublishInfo, PublishScope, SettleOutcome, Telemetry } from '../core/telemetry.js';
import { Instruments, type ObservedValue } from './instruments.js';

/** Options of {@link createOtelTelemetry}. */
export interface OtelTelemetryOptions {
  /** Default: the global tracer provider, looked up on every message so an SDK registered later is used. */
  tracerProvider?: TracerProvider;
  /** Default: the global meter provider, likewise. */
  meterProvider?: MeterProvider;
  /**
   * Writes and reads the trace context in message headers. Default: the global propagator
   * (`propagation.setGlobalPropagator`, which an SDK's `register()` sets to W3C Trace Context). Without
   * one, no header is written and consumer spans have no link.
   */
  propagator?: TextMapPropagator;
}

const NAME = 'isoflux';
const RECHECK_EVERY = 1024;
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

function tracingEnabled(provider: TracerProvider): boolean {
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACER_PROVIDER;
}

function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'error';
}

const elapsedSeconds = (start: number): number => (performance.now() - start) / 1000;

/**
 * Telemetry for any isoflux transport: pass it as the transport's `telemetry` option. With no
 * OpenTelemetry SDK registered it records nothing and costs two identity checks per message.
 */
export function createOtelTelemetry(options: OtelTelemetryOptions = {}): Telemetry {
  const gauges = { lag: new Set<ObservedValue>(), outbox: new Set<ObservedValue>() };
  const propagator: Pick<TextMapPropagator, 'inject' | 'extract'> = options.propagator ?? propagation;
  /**
   * The producer span's parent: the active span when there is one; otherwise the trace context the headers
   * already carry. That is a relay (a worker host re-publishing a tab's message, an outbox delivering after
   * a reload): its publish continues the original trace instead of starting a new one.
   */
  const parentOf = (headers: Headers | undefined): Context => {
    const active = context.active();
    if (headers === undefined || trace.getSpan(active) !== undefined) return active;
    return propagator.extract(active, headers, defaultTextMapGetter);
  };
  let meterProvider: MeterProvider | undefined;
  let instruments: Instruments | undefined;
  let tracerProvider: TracerProvider | undefined;
  let tracer: Tracer | undefined;

  // The global providers are looked up again every RECHECK_EVERY calls, not on every message: an SDK
  // registered after start is picked up within that many messages, and the idle cost stays near zero.
  let countdown = 0;
  let active = false;
  const enabled = (): boolean => {
    if (--countdown > 0) return active;
    countdown = RECHECK_EVERY;
    active = currentTracer() !== undefined || currentInstruments().recording;
    return active;
  };

  const currentInstruments = (): Instruments => {
    const provider = options.meterProvider ?? metrics.getMeterProvider();
    if (provider !== meterProvider || instruments === undefined) {
      meterProvider = provider;
      instruments = new Instruments(provider.getMeter(NAME), gauges);
    }
    return instruments;
  };
  const currentTracer = (): Tracer | undefined => {
    const provider = options.tracerProvider ?? trace.getTracerProvider();
    if (!tracingEnabled(provider)) return undefined;
    if (provider !== tracerProvider || tracer === undefined) {
      tracerProvider = provider;
      tracer = provider.getTracer(NAME);
    }
    return tracer;
  };

  return {
    enabled,

    publish(info: PublishInfo, headers: Headers | undefined): PublishScope | undefined {
      if (!enabled()) return undefined;
      const tracer = currentTracer();
      const meters = currentInstruments();
      if (tracer === undefined && !meters.recording) return undefined;
      const attributes: Attributes = {
        'messaging.system': info.system,
        'messaging.destination.name': info.subject,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'publish',
      };
      if (info.id !== undefined) attributes['messaging.message.id'] = info.id;
      const carrier: Record<string, string> = { ...headers };
      let span: Span | undefined;
      if (tracer !== undefined) {
        const parent = parentOf(headers);
        span = tracer.startSpan(`publish ${info.subject}`, { kind: SpanKind.PRODUCER, attributes }, parent);
        propagator.inject(trace.setSpan(parent, span), carrier, defaultTextMapSetter);
      }
      const start = performance.now();
      return {
        headers: carrier,
        end(error?: unknown) {
          const outcome: Attributes = { 'messaging.system': info.system, 'messaging.destination.name': info.subject };
          if (error !== undefined) outcome['error.type'] = errorType(error);
          meters.sent.add(1, outcome);
          meters.publishDuration.record(elapsedSeconds(start), outcome);
          if (span !== undefined) finish(span, error);
        },
      };
    },

    process(message: Message<unknown>, info: ConsumeInfo, handle: () => unknown): unknown {
      if (!enabled()) return handle();
      const tracer = currentTracer();
      const meters = currentInstruments();
      if (tracer === undefined && !meters.recording) return handle();
      const metricAttributes: Attributes = { 'messaging.system': info.system, 'messaging.destination.name': message.subject };
      if (info.queue !== undefined) metricAttributes['messaging.consumer.group.name'] = info.queue;
      meters.consumed.add(1, metricAttributes);
      if (message.delivery.attempt > 1) meters.redelivered.add(1, metricAttributes);
      const span = tracer === undefined ? undefined : startConsumerSpan(tracer, propagator, message, info, metricAttributes);
      const start = performance.now();
      const done = (error?: unknown): void => {
        const attributes = error === undefined ? metricAttributes : { ...metricAttributes, 'error.type': errorType(error) };
        meters.processDuration.record(elapsedSeconds(start), attributes);
        if (span !== undefined) finish(span, error);
      };
      let result: unknown;
      try {
        result = span === undefined ? handle() : context.with(trace.setSpan(context.active(), span), handle);
      } catch (error) {
        done(error);
        throw error;
      }
      if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
        (result as PromiseLike<unknown>).then(() => done(), (error: unknown) => done(error ?? new Error('handler rejected')));
      } else done();
      return result;
    },

    dropped(info: ConsumeInfo, reason: DropReason, policy: OverflowPolicy): void {
      const meters = currentInstruments();
      if (meters.recording) meters.dropped.add(1, { 'messaging.system': info.system, 'isoflux.subscription.pattern': info.pattern, 'isoflux.drop.reason': reason, 'isoflux.overflow.policy': policy });
    },

    settled(info: ConsumeInfo, outcome: SettleOutcome): void {
      const meters = currentInstruments();
      if (meters.recording) meters.settled.add(1, { 'messaging.system': info.system, 'isoflux.subscription.pattern': info.pattern, 'isoflux.settle.outcome': outcome });
    },

    deadLettered(system: string, subject: string): void {
      const meters = currentInstruments();
      if (meters.recording) meters.deadLettered.add(1, { 'messaging.system': system, 'messaging.destination.name': subject });
    },

    observe(name, read, attributes): () => void {
      const entry: ObservedValue = { read, attributes };
      const set = name === 'consumer.lag' ? gauges.lag : gauges.outbox;
      set.add(entry);
      return () => void set.delete(entry);
    },
  };
}

function startConsumerSpan(tracer: Tracer, propagator: Pick<TextMapPropagator, 'extract'>, message: Message<unknown>, info: ConsumeInfo, base: Attributes): Span {
  const producer = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, message.headers, defaultTextMapGetter));
  return tracer.startSpan(`process ${message.subject}`, {
    kind: SpanKind.CONSUMER,
    links: producer !== undefined && isSpanContextValid(producer) ? [{ context: producer }] : [],
    attributes: {
      ...base,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.message.id': message.id,
      'messaging.destination.subscription.name': info.pattern,
      'isoflux.delivery.attempt': message.delivery.attempt,
    },
  });
}

function finish(span: Span, error: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.setAttribute('error.type', errorType(error));
  }
  span.end();
}
