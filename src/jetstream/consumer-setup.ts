/**
 * Options shared by the push subscriber and the pull consumer, and the server-side consumer they create.
 * @module
 */
import { AckPolicy, DeliverPolicy, type Consumer, type ConsumerConfig, type JetStreamClient } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import { jsonCodec, type Codec } from '../core/codec.js';
import { InvalidArgumentError } from '../core/errors.js';
import { checkCodec, checkInteger, checkOneOf, checkSchema } from '../transport/wire-options.js';
import type { Taps } from '../core/wiretap.js';
import type { Message } from '../core/message.js';
import type { StandardSchemaV1 } from '../core/schema.js';
import type { ConsumeInfo, Telemetry } from '../core/telemetry.js';
import type { DeadLetterTarget } from './dead-letter.js';
import { fromJetStreamError } from './errors.js';
import type { InboundPolicy } from './inbound.js';
import { checkRetryBehaviour, type RetryBehaviour } from './retry-options.js';
import { termReasonSupport } from './server-version.js';

/**
 * Where a new consumer starts in the stream: `all` (default: the whole stream, JetStream's default), `new`
 * (only what is published from now on), `last`, `last-per-subject`, a stream `sequence`, or a `time`
 * (messages stored at or after it). A durable consumer that already exists resumes where it left off.
 */
export type DeliverFrom = 'all' | 'new' | 'last' | 'last-per-subject' | { sequence: number } | { time: Date | string };

/** How received messages are checked, settled and retried: the retry triple `maxAttempts` / `backoff` / `isRetryable`. */
export interface ConsumerBehaviour extends RetryBehaviour {
  /** Turns bytes into payloads (default `jsonCodec()`). */
  codec?: Codec<unknown>;
  /** Validates payloads; an invalid one is reported and dead-lettered (or terminated), never handled. */
  schema?: StandardSchemaV1;
  /** Where messages go after `maxAttempts` failed deliveries, a non-retryable error, or when undecodable. */
  deadLetter?: DeadLetterTarget;
  /**
   * The consumer's `ack_wait` on the server: how long the server waits for an ack before it redelivers
   * (default 30000 ms). A server setting, not a client timeout, so it keeps the server's name.
   */
  ackWaitMs?: number;
}

export { normalizeBehaviour } from './retry-options.js';

/**
 * Checks a {@link ConsumerBehaviour} (normalized: see {@link normalizeBehaviour}) and a {@link DeliverFrom}
 * synchronously, so bad options throw at the call (`invalid_argument` naming the option).
 */
export function checkBehaviour(behaviour: ConsumerBehaviour, deliver: DeliverFrom | undefined, durable: string | undefined): void {
  checkCodec('codec', behaviour.codec);
  checkSchema('schema', behaviour.schema);
  checkRetryBehaviour(behaviour);
  checkInteger('ackWaitMs', behaviour.ackWaitMs);
  if (durable !== undefined && !/^[^.*>\s]+$/.test(durable)) throw new InvalidArgumentError(`durable/queue name ${JSON.stringify(durable)} must be non-empty without '.', '*', '>' or whitespace`, 'durable');
  if (deliver === undefined || typeof deliver === 'string') {
    checkOneOf('deliver', deliver, ['all', 'new', 'last', 'last-per-subject']);
  } else if ('sequence' in deliver) checkInteger('deliver.sequence', deliver.sequence);
  else if (Number.isNaN(new Date(deliver.time).getTime())) throw new InvalidArgumentError(`deliver.time is not a valid date: ${String(deliver.time)}`, 'deliver.time');
}

/** A consumer created on the server, and whether it is ephemeral (deleted when we are done). */
export interface CreatedConsumer {
  readonly consumer: Consumer;
  readonly name: string;
  readonly ephemeral: boolean;
}

function deliverPolicy(deliver: DeliverFrom = 'all'): Partial<ConsumerConfig> {
  switch (deliver) {
    case 'all':
      return { deliver_policy: DeliverPolicy.All };
    case 'new':
      return { deliver_policy: DeliverPolicy.New };
    case 'last':
      return { deliver_policy: DeliverPolicy.Last };
    case 'last-per-subject':
      return { deliver_policy: DeliverPolicy.LastPerSubject };
    default:
      return 'sequence' in deliver
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: deliver.sequence }
        : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(deliver.time).toISOString() };
  }
}

/**
 * Creates (or, for an existing durable with the same config, reuses) a pull consumer with explicit acks.
 * The server never stops redelivering on its own (`max_deliver: -1`): the limit is enforced here, so a
 * message that used up its deliveries is dead-lettered with its reason instead of silently parked.
 */
export async function createConsumer(js: JetStreamClient, stream: string, filter: string | undefined, durable: string | undefined, deliver: DeliverFrom | undefined, ackWaitMs: number | undefined): Promise<CreatedConsumer> {
  const config: Partial<ConsumerConfig> = { ack_policy: AckPolicy.Explicit, max_deliver: -1, ack_wait: nanos(ackWaitMs ?? 30_000), ...deliverPolicy(deliver) };
  if (filter !== undefined) config.filter_subject = filter;
  if (durable !== undefined) config.durable_name = durable;
  try {
    const jsm = await js.jetstreamManager(false);
    if (durable !== undefined) {
      // Some servers treat a create on an existing durable as an update: a queue member with another pattern
      // would silently retarget the shared consumer for every member. Refuse instead.
      const existing = await jsm.consumers.info(stream, durable).catch(() => undefined);
      if (existing !== undefined && (existing.config.filter_subject || undefined) !== filter) {
        throw new InvalidArgumentError(
          `durable/queue ${JSON.stringify(durable)} already exists on stream ${JSON.stringify(stream)} with filter ${JSON.stringify(existing.config.filter_subject)}, not ${JSON.stringify(filter)}: ` +
            'a queue group is one durable consumer, so its members must subscribe to the same pattern; use another queue name for another pattern',
        );
      }
    }
    const info = await jsm.consumers.add(stream, config);
    return { consumer: js.consumers.getConsumerFromInfo(info), name: info.name, ephemeral: durable === undefined };
  } catch (error) {
    throw fromJetStreamError(error, filter ?? stream, `creating a consumer on stream ${JSON.stringify(stream)}`);
  }
}

/**
 * The {@link InboundPolicy} for `behaviour`; `telemetry` counts its ack outcomes and dead letters under `info`, `taps`
 * hears each settle (`acked`, `naked`, `terminated`, `dead-lettered`).
 * `nc` (when known) tells which settling forms the server honours.
 */
export function inboundPolicy(
  js: JetStreamClient,
  nc: NatsConnection | undefined,
  behaviour: ConsumerBehaviour,
  report: (error: unknown, message?: Message<unknown>) => void,
  observers: { readonly telemetry: Telemetry | undefined; readonly taps: Taps | undefined },
  info: ConsumeInfo,
): InboundPolicy {
  return {
    telemetry: observers.telemetry,
    taps: observers.taps,
    info,
    js,
    codec: behaviour.codec ?? jsonCodec(),
    schema: behaviour.schema,
    maxAttempts: behaviour.maxAttempts,
    deadLetter: behaviour.deadLetter,
    backoff: behaviour.backoff,
    isRetryable: behaviour.isRetryable,
    report,
    termReason: termReasonSupport(nc),
  };
}
