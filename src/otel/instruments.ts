/**
 * The metric instruments isoflux records, created from one meter; observable gauges read live values.
 * @module
 */
import { ValueType, createNoopMeter, type Attributes, type Counter, type Histogram, type Meter } from '@opentelemetry/api';

const NoopMeter = createNoopMeter().constructor;

/** A live value reported by an observable gauge. */
export interface ObservedValue {
  readonly read: () => number;
  readonly attributes: Attributes;
}

/** Every instrument, made once per meter. */
export class Instruments {
  /** False for the no-op meter (no SDK registered): then nothing is recorded. */
  readonly recording: boolean;
  readonly sent: Counter;
  readonly consumed: Counter;
  readonly dropped: Counter;
  readonly redelivered: Counter;
  readonly deadLettered: Counter;
  readonly settled: Counter;
  readonly publishDuration: Histogram;
  readonly processDuration: Histogram;

  constructor(meter: Meter, gauges: { lag: Set<ObservedValue>; outbox: Set<ObservedValue> }) {
    this.recording = !(meter instanceof NoopMeter);
    const count = (name: string, description: string): Counter => meter.createCounter(name, { description, unit: '{message}', valueType: ValueType.INT });
    const seconds = (name: string, description: string): Histogram => meter.createHistogram(name, { description, unit: 's' });
    this.sent = count('messaging.client.sent.messages', 'Messages published');
    this.consumed = count('messaging.client.consumed.messages', 'Messages handed to a handler');
    this.dropped = count('isoflux.messages.dropped', 'Messages not delivered to a subscriber (by overflow policy or at close)');
    this.redelivered = count('isoflux.messages.redelivered', 'Deliveries after the first of the same message');
    this.deadLettered = count('isoflux.messages.dead_lettered', 'Messages moved to a dead-letter destination');
    this.settled = count('isoflux.messages.settled', 'Ack outcomes (ack, nak, term)');
    this.publishDuration = seconds('messaging.client.operation.duration', 'Time from publish to accepted or acknowledged');
    this.processDuration = seconds('messaging.process.duration', 'Handler duration');
    const lag = meter.createObservableGauge('isoflux.consumer.lag', { description: 'Messages buffered by a subscription', unit: '{message}', valueType: ValueType.INT });
    lag.addCallback((result) => {
      for (const g of gauges.lag) result.observe(g.read(), g.attributes);
    });
    const depth = meter.createObservableGauge('isoflux.outbox.depth', { description: 'Entries waiting in an outbox', unit: '{message}', valueType: ValueType.INT });
    depth.addCallback((result) => {
      for (const g of gauges.outbox) result.observe(g.read(), g.attributes);
    });
  }
}
