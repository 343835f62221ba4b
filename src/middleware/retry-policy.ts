/**
 * Decides what happens to a message whose handler failed: redeliver (now or later) or give up.
 * @module
 */
import { InvalidArgumentError, isIsofluxError, type ErrorCode } from '../core/errors.js';
import type { Middleware } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { exponentialBackoff, type Backoff } from './backoff.js';
import { checkFunction, checkInteger } from './check.js';
import { describeError, settleByOutcome } from './settle.js';

/** Why a message will not be delivered again. */
export type DeadLetterReason =
  /** The error says retrying cannot help (bad payload, undecodable …). */
  | 'poison'
  /** It failed on its last allowed attempt. */
  | 'attempts_exhausted'
  /** The transport does not redeliver (no acker), so this failure is final. */
  | 'no_redelivery';

/** What the policy does with a failed message. */
export type RetryDecision = { readonly action: 'nak'; readonly delayMs: number } | { readonly action: 'term'; readonly reason: DeadLetterReason };

/** Called with a message that will not be delivered again, and the error that ended it. Must not throw. */
export type DeadLetterObserver = (message: Message<unknown>, error: unknown, reason: DeadLetterReason) => void;

/** Options of {@link retryPolicy}: the retry triple `maxAttempts` / `backoff` / `isRetryable`, as every transport names it. */
export interface RetryPolicyOptions {
  /** Deliveries allowed in total, counted by `message.delivery.attempt` (default 5). */
  maxAttempts?: number;
  /** Redelivery delay after failed attempt n (default {@link exponentialBackoff}). 0 naks without delay. */
  backoff?: Backoff;
  /**
   * False when retrying cannot help: the message is terminated at once, reason `poison`. Default: every
   * error but the poison ones ({@link isPoisonError}).
   */
  isRetryable?: (error: unknown, message: Message<unknown>) => boolean;
  /**
   * @deprecated The inverse of {@link RetryPolicyOptions.isRetryable} (`isPoison(e, m)` is
   * `!isRetryable(e, m)`); accepted until the next major version. Giving both is `invalid_argument`.
   */
  isPoison?: (error: unknown, message: Message<unknown>) => boolean;
  /** Told about every message the policy gives up on. */
  onDeadLetter?: DeadLetterObserver;
}

const defaultBackoff = exponentialBackoff();
const POISON: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['invalid_payload', 'decode_failed', 'not_serializable', 'payload_too_large', 'invalid_subject']);

/**
 * True for errors no retry can fix: isoflux errors with code `invalid_payload`, `decode_failed`,
 * `not_serializable`, `payload_too_large` or `invalid_subject`. Everything else counts as transient.
 */
export function isPoisonError(error: unknown): boolean {
  return isIsofluxError(error) && POISON.has(error.code);
}

/** True when `error` on `message` is worth a redelivery, by `isRetryable`, the deprecated `isPoison`, or the default. */
function retryable(options: RetryPolicyOptions, error: unknown, message: Message<unknown>): boolean {
  if (options.isRetryable !== undefined) return options.isRetryable(error, message);
  if (options.isPoison !== undefined) return !options.isPoison(error, message);
  return !isPoisonError(error);
}

/** The policy's decision for `error` on `message`; pure, so it can be tested and reused (pipes do). */
export function decideRetry(error: unknown, message: Message<unknown>, options: RetryPolicyOptions = {}): RetryDecision {
  const { maxAttempts = 5, backoff = defaultBackoff } = options;
  if (!retryable(options, error, message)) return { action: 'term', reason: 'poison' };
  if (!message.hasAcker) return { action: 'term', reason: 'no_redelivery' };
  const attempt = message.delivery.attempt;
  if (attempt >= maxAttempts) return { action: 'term', reason: 'attempts_exhausted' };
  return { action: 'nak', delayMs: backoff(attempt) };
}

/**
 * Settles every message from its handler's outcome: success → `ack()`; an error `isRetryable` refuses, or
 * the last attempt → `term()` and `onDeadLetter`; other errors → `nak(backoff(attempt))` so the transport
 * redelivers later. The error still propagates (the subscription counts and reports it; put `recover`
 * outside to handle it). A message the handler already settled is not settled again, but a dead letter is
 * still reported. Without an acker nothing redelivers: every failure is final (`no_redelivery`) and
 * settling is a no-op.
 */
export function retryPolicy(options: RetryPolicyOptions = {}): Middleware {
  checkInteger('maxAttempts', options.maxAttempts ?? 5);
  checkFunction('backoff', options.backoff, true);
  checkFunction('isRetryable', options.isRetryable, true);
  checkFunction('isPoison', options.isPoison, true);
  if (options.isRetryable !== undefined && options.isPoison !== undefined) {
    throw new InvalidArgumentError('give isRetryable (isPoison is its deprecated inverse), not both', 'isPoison');
  }
  const onDeadLetter = checkFunction('onDeadLetter', options.onDeadLetter, true);
  return settleByOutcome(async (message, error) => {
    const decision = decideRetry(error, message, options);
    if (decision.action === 'nak') {
      if (!message.settled) await message.nak(decision.delayMs);
      return;
    }
    if (!message.settled) await message.term(`${decision.reason}: ${describeError(error)}`);
    onDeadLetter?.(message, error, decision.reason);
  });
}
