/**
 * Publisher middleware that retries failed publishes.
 * @module
 */
import { AbortedError, isIsofluxError, type ErrorCode } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { PublishOptions } from '../core/interfaces.js';
import { exponentialBackoff, type Backoff } from './backoff.js';
import { checkFunction, checkInteger } from './check.js';
import type { PublishCall, PublisherMiddleware } from './publisher.js';

/** Options of {@link retryPublish}. */
export interface RetryPublishOptions {
  /** Attempts in total, the first included (default 5). */
  maxAttempts?: number;
  /** Wait after failed attempt n (default {@link exponentialBackoff}). */
  backoff?: Backoff;
  /** False for errors retrying cannot fix (default {@link isRetryablePublishError}). */
  isRetryable?: (error: unknown) => boolean;
  /** Stops every retry loop of this publisher (e.g. at shutdown), like each call's own `signal`. */
  signal?: AbortSignal;
}

const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid_subject', 'invalid_argument', 'payload_too_large', 'not_serializable', 'invalid_payload', 'closed', 'aborted', 'unsupported',
]);

/** False for isoflux errors that repeat on every attempt (bad subject or payload, closed, aborted, unsupported). */
export function isRetryablePublishError(error: unknown): boolean {
  return !(isIsofluxError(error) && PERMANENT.has(error.code));
}

/** Resolves after `ms`, or rejects with `aborted` as soon as one of `signals` aborts. */
function pause(ms: number, signals: ReadonlyArray<AbortSignal | undefined>): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (event: Event): void => {
      clearTimeout(timer);
      for (const s of signals) s?.removeEventListener('abort', onAbort);
      reject(new AbortedError('publish retry', (event.target as AbortSignal).reason));
    };
    const timer = setTimeout(() => {
      for (const s of signals) s?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    for (const s of signals) s?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Retries a failed publish up to `maxAttempts` in total, waiting `backoff(n)` after failure n. Gives the
 * message an id first when it has none, so every attempt carries the same id and receivers can drop
 * copies of an attempt that did arrive. Rejects with the last error when attempts run out or the error is
 * not retryable, and with `aborted` at once when the call's or the middleware's signal aborts (also in the
 * middle of a wait). The call's own signal is also passed to each attempt.
 */
export function retryPublish(options: RetryPublishOptions = {}): PublisherMiddleware {
  const maxAttempts = checkInteger('maxAttempts', options.maxAttempts ?? 5);
  const backoff = checkFunction('backoff', options.backoff, true) ?? exponentialBackoff();
  const isRetryable = checkFunction('isRetryable', options.isRetryable, true) ?? isRetryablePublishError;
  const shutdown = options.signal;
  return <O extends PublishOptions>(next: PublishCall<O>): PublishCall<O> =>
    async (subject, payload, callOptions) => {
      const attemptOptions = { ...callOptions, id: callOptions?.id ?? nextId() } as O;
      const signals = [callOptions?.signal, shutdown];
      for (let attempt = 1; ; attempt++) {
        for (const s of signals) if (s?.aborted) throw new AbortedError('publish retry', s.reason);
        try {
          return await next(subject, payload, attemptOptions);
        } catch (error) {
          if (attempt >= maxAttempts || !isRetryable(error)) throw error;
          await pause(backoff(attempt), signals);
        }
      }
    };
}
