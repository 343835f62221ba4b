/**
 * The path of one JetStream message to a handler or a `fetch` caller: redelivery limit, decode, validate,
 * and an acker that talks to the server (and dead-letters on the last allowed delivery).
 * @module
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Codec } from '../core/codec.js';
import { createMessage, type Acker, type Message } from '../core/message.js';
import type { StandardSchemaV1 } from '../core/schema.js';
import type { ConsumeInfo, SettleOutcome, Telemetry } from '../core/telemetry.js';
import { decodePayload } from '../nats/internal.js';
import { tapSettle, type SettleKind } from '../transport/settle-taps.js';
import { tapClock, type Taps } from '../core/wiretap.js';
import { letterFor, sendDeadLetter, type DeadLetterTarget } from './dead-letter.js';
import { identify } from './message-id.js';

/** How received messages are decoded and settled. */
export interface InboundPolicy {
  readonly js: JetStreamClient;
  readonly codec: Codec<unknown>;
  readonly schema: StandardSchemaV1 | undefined;
  /** Deliveries allowed before a failing message is dead-lettered (undefined: unlimited). */
  readonly maxAttempts: number | undefined;
  readonly deadLetter: DeadLetterTarget | undefined;
  /** Redelivery delay after failed attempt `attempt`, for automatic naks (undefined: at once). */
  readonly backoff: ((attempt: number) => number) | undefined;
  /** False for an error redelivery cannot fix: dead-lettered at once (undefined: every error is retried). */
  readonly isRetryable: ((error: unknown) => boolean) | undefined;
  /** Reports a message that cannot be processed (decode failure, failed dead-lettering). */
  report(error: unknown, message?: Message<unknown>): void;
  /** Counts ack outcomes and dead letters. */
  readonly telemetry: Telemetry | undefined;
  /** Hears every settle and dead letter (the bus's or consumer's wiretap). */
  readonly taps: Taps | undefined;
  /** The subscription or consumer the outcomes are counted for. */
  readonly info: ConsumeInfo;
  /** Whether the server settles a term that carries a reason (see `server-version.ts`); asked at each term. */
  readonly termReason: () => boolean;
}

const DONE: Promise<void> = Promise.resolve();
const ackers = new WeakMap<Message<unknown>, JetStreamAcker>();

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Every settlement of a JetStream message goes through here, so each outcome is sent to the server and
 * counted exactly once, whichever path (handler, auto-ack, dead-lettering, decode failure) settled it.
 * A term carries its reason only to a server that honours it: older ones ignore `+TERM <reason>` entirely
 * and redeliver, so there the reason stays on the client (dead letters keep it in their headers).
 */
function settle(jm: JsMsg, policy: InboundPolicy, outcome: SettleOutcome, delayMs?: number, reason?: string, deliveredAt?: number): void {
  if (outcome === 'ack') jm.ack();
  else if (outcome === 'nak') jm.nak(delayMs);
  else jm.term(reason !== undefined && reason.length > 0 && policy.termReason() ? reason : undefined);
  if (policy.telemetry?.enabled()) policy.telemetry.settled(policy.info, outcome);
  if (policy.taps?.active) tapSettle(policy.taps, SETTLE_TAP[outcome], policy.info, tapped(jm), deliveredAt, reason);
}

const SETTLE_TAP: Readonly<Record<SettleOutcome, SettleKind>> = { ack: 'acked', nak: 'naked', term: 'terminated' };

/** What a settle tap event names: the subject and the id handlers see. */
function tapped(jm: JsMsg): { subject: string; id: string } {
  return { subject: jm.subject, id: identify(jm).id };
}

/** Settles one JetStream message once; a nak on the last allowed delivery dead-letters it instead. */
class JetStreamAcker implements Acker {
  #settled = false;
  /** A tap clock reading when the message arrived (only while tapped): settle events get a `durationMs`. */
  readonly #at: number | undefined;

  constructor(readonly jm: JsMsg, readonly policy: InboundPolicy) {
    this.#at = policy.taps?.active ? tapClock() : undefined;
  }

  #claim(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }

  ack(): Promise<void> {
    if (this.#claim()) settle(this.jm, this.policy, 'ack', undefined, undefined, this.#at);
    return DONE;
  }

  nak(delayMs?: number): Promise<void> {
    return this.fail(undefined, delayMs);
  }

  /**
   * A failed attempt: redeliver (after `delayMs`), or dead-letter when this was the last allowed delivery
   * or `isRetryable` says redelivering cannot fix `error`.
   */
  fail(error: unknown, delayMs?: number): Promise<void> {
    if (!this.#claim()) return DONE;
    const { maxAttempts, isRetryable } = this.policy;
    const attempt = this.jm.info.deliveryCount;
    const why = error === undefined ? 'nak' : describe(error);
    if (maxAttempts !== undefined && attempt >= maxAttempts) return giveUp(this.jm, this.policy, `failed on delivery ${attempt} of ${maxAttempts}: ${why}`, error, this.#at);
    if (error !== undefined && isRetryable !== undefined && !isRetryable(error)) return giveUp(this.jm, this.policy, `not retryable (delivery ${attempt}): ${why}`, error, this.#at);
    settle(this.jm, this.policy, 'nak', delayMs, undefined, this.#at);
    return DONE;
  }

  /** A failed attempt of the automatic mode: the nak waits `backoff(attempt)`. */
  failed(error: unknown): Promise<void> {
    return this.fail(error, this.policy.backoff?.(this.jm.info.deliveryCount));
  }

  term(reason?: string): Promise<void> {
    if (this.#claim()) settle(this.jm, this.policy, 'term', undefined, reason, this.#at);
    return DONE;
  }

  inProgress(): Promise<void> {
    if (!this.#settled) this.jm.working();
    return DONE;
  }
}

/**
 * Hands the message to the dead-letter target, then terminates it; without a target, terminates it. When
 * the hand-over fails the message is nak'ed so it is not lost, and the failure is reported.
 */
async function giveUp(jm: JsMsg, policy: InboundPolicy, reason: string, error?: unknown, deliveredAt?: number): Promise<void> {
  if (policy.deadLetter === undefined) return settle(jm, policy, 'term', undefined, reason, deliveredAt);
  try {
    await sendDeadLetter(policy.js, policy.deadLetter, letterFor(jm, reason, error));
  } catch (failure) {
    policy.report(failure, rawMessage(jm));
    return settle(jm, policy, 'nak', policy.backoff?.(jm.info.deliveryCount), undefined, deliveredAt);
  }
  settle(jm, policy, 'term', undefined, reason, deliveredAt);
  if (policy.telemetry?.enabled()) policy.telemetry.deadLettered(policy.info.system, jm.subject);
  if (policy.taps?.active) tapSettle(policy.taps, 'dead-lettered', policy.info, tapped(jm), deliveredAt, reason);
}

function rawMessage(jm: JsMsg): Message<Uint8Array> {
  const { headers, id } = identify(jm);
  return createMessage({ subject: jm.subject, payload: jm.data, headers, id, delivery: { attempt: jm.info.deliveryCount, sequence: jm.seq } });
}

/** Records a failed attempt of `message` (delivered by this transport) with the error behind it; the nak waits `backoff(attempt)`. */
export function failAttempt(message: Message<unknown>, error: unknown): Promise<void> {
  return ackers.get(message)?.failed(error) ?? DONE;
}

/**
 * The {@link Message} for `jm`, or undefined when it must not reach the handler: delivered more often than
 * `maxAttempts` (an ack timeout on its last delivery: dead-lettered now), undecodable or schema-invalid
 * (reported, then dead-lettered or terminated — never redelivered into a crash loop). Synchronous unless
 * the schema validates asynchronously.
 */
export function receive<T>(jm: JsMsg, policy: InboundPolicy): Message<T> | undefined | Promise<Message<T> | undefined> {
  const attempt = jm.info.deliveryCount;
  if (policy.maxAttempts !== undefined && attempt > policy.maxAttempts) {
    void giveUp(jm, policy, `delivered ${attempt} times, more than maxAttempts ${policy.maxAttempts} (not acknowledged in time)`);
    return undefined;
  }
  const rejected = (error: unknown): undefined => {
    policy.report(error, rawMessage(jm));
    void giveUp(jm, policy, describe(error), error);
    return undefined;
  };
  let decoded: T | Promise<T>;
  try {
    decoded = decodePayload<T>(policy.codec, policy.schema, jm.data, jm.subject);
  } catch (error) {
    return rejected(error);
  }
  const build = (payload: T): Message<T> => {
    const { headers, id } = identify(jm);
    const acker = new JetStreamAcker(jm, policy);
    const message = createMessage({ subject: jm.subject, payload, headers, id, delivery: { attempt, sequence: jm.seq }, acker });
    ackers.set(message as Message<unknown>, acker);
    return message;
  };
  return decoded instanceof Promise ? decoded.then(build, rejected) : build(decoded);
}
