/**
 * Turns a handler failure into a report, so nothing above the handler sees it.
 * @module
 */
import type { Handler, Middleware } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { checkFunction } from './check.js';
import { invoke } from './settle.js';

/** Options of {@link recover}. */
export interface RecoverOptions {
  /** Receives every failure (default: `console.error`). An `onError` that throws is ignored. */
  onError?: (error: unknown, message: Message<unknown>) => void;
}

function reportToConsole(error: unknown, message: Message<unknown>): void {
  console.error(`[isoflux] handler failed on ${message.subject} (id ${message.id}):`, error);
}

/**
 * Catches everything the inner handler throws (synchronously or by rejecting), reports it to `onError` and
 * resolves: the subscription, stream or pipe never sees the failure. Because the error is swallowed, a
 * message nobody settled is `nak`ed here (a no-op without an acker), so an acking transport still
 * redelivers it. Put it outermost: `chain(recover(), retryPolicy(), …)`.
 */
export function recover(options: RecoverOptions = {}): Middleware {
  const onError = checkFunction('onError', options.onError, true) ?? reportToConsole;
  return <T>(next: Handler<T>) =>
    (message: Message<T>): Promise<unknown> =>
      invoke(next, message).catch(async (error: unknown) => {
        if (!message.settled) await message.nak();
        try {
          onError(error, message as Message<unknown>);
        } catch {
          // a failing reporter must not turn a recovered failure back into one
        }
        return undefined;
      });
}
