/**
 * Telemetry hooks. The core and the transports call these; `isoflux/otel` implements them with the
 * OpenTelemetry API. Without a `telemetry` option a transport pays one `undefined` check per message.
 * @module
 */
import type { DropReason, OverflowPolicy } from './interfaces.js';
import type { Headers, Message } from './message.js';

/** What a transport knows about a publish when it starts. */
export interface PublishInfo {
  /** The transport, e.g. `memory`, `nats`, `jetstream`, `broadcast` (OpenTelemetry `messaging.system`). */
  readonly system: string;
  readonly subject: string;
  /** The message id, when the transport knows it before sending. */
  readonly id: string | undefined;
}

/** What a transport knows about a subscription. */
export interface ConsumeInfo {
  readonly system: string;
  /** The pattern subscribed to. */
  readonly pattern: string;
  /** The queue group, if any. */
  readonly queue: string | undefined;
}

/** Ends a publish's telemetry (span, duration) with the outcome. */
export interface PublishScope {
  /** Headers to send instead of the caller's: the caller's plus trace context. */
  readonly headers: Headers;
  /** Call once, when the publish settled (`error` when it failed). */
  end(error?: unknown): void;
}

/** How a message was settled with its transport. */
export type SettleOutcome = 'ack' | 'nak' | 'term';

/** The hooks a telemetry implementation provides. Every method must be cheap and must not throw. */
export interface Telemetry {
  /**
   * True when anything is recorded now. Transports check it first and skip all telemetry work when false,
   * so a registered-but-idle telemetry costs one call per message.
   */
  enabled(): boolean;
  /** A publish is starting. Returns undefined when nothing is recorded (then the caller sends its own headers). */
  publish(info: PublishInfo, headers: Headers | undefined): PublishScope | undefined;
  /** Runs `handle` for one delivered message inside a consumer span; returns what `handle` returned. */
  process(message: Message<unknown>, info: ConsumeInfo, handle: () => unknown): unknown;
  /** A message was not delivered to a subscriber. */
  dropped(info: ConsumeInfo, reason: DropReason, policy: OverflowPolicy): void;
  /** A message was settled (transports with an acker). */
  settled(info: ConsumeInfo, outcome: SettleOutcome): void;
  /** A message went to a dead-letter destination after failing too often. */
  deadLettered(system: string, subject: string): void;
  /** Reports a live gauge (consumer lag, outbox depth) until the returned function is called. */
  observe(name: 'consumer.lag' | 'outbox.depth', read: () => number, attributes: Readonly<Record<string, string>>): () => void;
}

/**
 * Runs a transport's `send(headers)` inside a publish scope when `telemetry` records: the headers it
 * sends then carry the trace context, and the scope ends with the outcome. Without telemetry (or with an
 * idle one) it is `send(headers)`.
 */
export function publishWithTelemetry<R>(
  telemetry: Telemetry | undefined,
  info: PublishInfo,
  headers: Headers | undefined,
  send: (headers: Headers | undefined) => Promise<R>,
): Promise<R> {
  const scope = telemetry?.enabled() ? telemetry.publish(info, headers) : undefined;
  if (scope === undefined) return send(headers);
  let sent: Promise<R>;
  try {
    sent = send(scope.headers);
  } catch (error) {
    scope.end(error);
    throw error;
  }
  sent.then(
    () => scope.end(),
    (error: unknown) => scope.end(error),
  );
  return sent;
}
