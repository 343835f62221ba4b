/**
 * Delays between attempts, for redelivery (`retryPolicy`) and republishing (`retryPublish`).
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { checkDuration } from './check.js';

/** Milliseconds to wait after failed attempt number `attempt` (1 after the first failure). */
export type Backoff = (attempt: number) => number;

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay after the first failure (default 100 ms). */
  initialMs?: number;
  /** Upper bound of any delay (default 30 000 ms). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Fraction of each delay taken off at random, 0–1 (default 0.2), so retrying clients spread out. */
  jitter?: number;
}

/** `initialMs · factor^(attempt-1)`, capped at `maxMs`, minus up to `jitter` of itself at random. */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const { initialMs = 100, maxMs = 30_000, factor = 2, jitter = 0.2 } = options;
  checkDuration('initialMs', initialMs);
  checkDuration('maxMs', maxMs);
  if (typeof factor !== 'number' || !(factor >= 1) || !Number.isFinite(factor)) throw new InvalidArgumentError(`factor must be a finite number ≥ 1, got ${String(factor)}`);
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) throw new InvalidArgumentError(`jitter must be between 0 and 1, got ${String(jitter)}`);
  return (attempt) => {
    const base = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1));
    return Math.round(base * (1 - jitter * Math.random()));
  };
}
