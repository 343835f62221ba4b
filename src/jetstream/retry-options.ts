/**
 * The retry triple of a JetStream consumer (`maxAttempts` / `backoff` / `isRetryable`) with its deprecated
 * names, mapped in one place. Wire-free, so the fake JetStream of `isoflux/testing` takes the same options
 * the same way.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { renamed } from '../core/renamed-option.js';
import { checkFunction } from '../transport/options.js';
import { checkInteger } from '../transport/wire-options.js';

/** Milliseconds to wait after failed attempt number `attempt` (the `Backoff` of `isoflux/middleware`). */
export type Backoff = (attempt: number) => number;

/** How often and how soon a failing message is delivered again, and when it is given up on. */
export interface RetryBehaviour {
  /**
   * Deliveries in total (the first one included) before a failing message goes to `deadLetter` (or is
   * terminated), with the reason. Counted on the client: the server's own `max_deliver` is off, so a message
   * that used up its deliveries is dead-lettered instead of silently parked. Default: unlimited. (Was `maxDeliver`.)
   */
  maxAttempts?: number;
  /** Delay in ms before the redelivery after failed attempt `attempt` (1 after the first), sent with the automatic nak. Default: at once. (Was `retryDelayMs`.) */
  backoff?: Backoff;
  /** False for a handler error redelivery cannot fix: the message is dead-lettered (or terminated) at once. Default: every error is retried. */
  isRetryable?: (error: unknown) => boolean;
  /** @deprecated Renamed {@link RetryBehaviour.maxAttempts} (same meaning); accepted until the next major version. */
  maxDeliver?: number;
  /** @deprecated Renamed {@link RetryBehaviour.backoff} (a number n is `() => n`); accepted until the next major version. */
  retryDelayMs?: number | ((attempt: number) => number);
}

/** The behaviour without the deprecated names (mapped onto the new ones) and without unset keys, so layers can be spread. */
export function normalizeBehaviour<B extends RetryBehaviour>(behaviour: B | undefined): B {
  const out: Record<string, unknown> = {};
  if (behaviour === undefined) return out as B;
  for (const key in behaviour) if (behaviour[key] !== undefined) out[key] = behaviour[key];
  const { maxDeliver, retryDelayMs } = out as RetryBehaviour;
  if (maxDeliver !== undefined) {
    out.maxAttempts = renamed('maxAttempts', out.maxAttempts, 'maxDeliver', maxDeliver);
    delete out.maxDeliver;
  }
  if (retryDelayMs !== undefined) {
    if (out.backoff !== undefined) throw new InvalidArgumentError('give backoff (retryDelayMs is its deprecated name), not both', 'retryDelayMs');
    if (typeof retryDelayMs !== 'function' && !(typeof retryDelayMs === 'number' && retryDelayMs >= 0)) throw new InvalidArgumentError(`retryDelayMs must be >= 0 or a function, got ${String(retryDelayMs)}`, 'retryDelayMs');
    out.backoff = typeof retryDelayMs === 'function' ? retryDelayMs : () => retryDelayMs;
    delete out.retryDelayMs;
  }
  return out as B;
}

/** Checks a normalized {@link RetryBehaviour} synchronously: a wrong value throws `invalid_argument` naming the option. */
export function checkRetryBehaviour(behaviour: RetryBehaviour): void {
  checkInteger('maxAttempts', behaviour.maxAttempts);
  checkFunction('backoff', behaviour.backoff);
  checkFunction('isRetryable', behaviour.isRetryable);
}
