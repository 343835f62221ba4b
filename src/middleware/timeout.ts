/**
 * Bounds how long a handler may run and tells it, through an AbortSignal, when to stop.
 * @module
 */
import { TimeoutError } from '../core/errors.js';
import type { Handler, Middleware } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { checkDuration } from './check.js';
import { signalOf, withSignal } from './derived-message.js';
import { invoke } from './settle.js';

/**
 * Fails the handling with `timeout` (a `TimeoutError`) when the handler has not finished after `ms`, and
 * aborts the signal the handler reads with `signalOf(message)` at the same moment (its reason is that
 * error), so fetches and waits inside the handler stop too. A handler that ignores the signal keeps
 * running in the background, but the subscription moves on. Nested timeouts: the inner signal also aborts
 * when an outer one does. Costs one timer and one AbortController per message.
 */
export function timeout(ms: number): Middleware {
  checkDuration('timeout ms', ms);
  return <T>(next: Handler<T>) =>
    (message: Message<T>): Promise<unknown> => {
      const controller = new AbortController();
      const outer = signalOf(message as Message<unknown>);
      const onOuterAbort = (): void => controller.abort(outer.reason);
      if (outer.aborted) onOuterAbort();
      else outer.addEventListener('abort', onOuterAbort, { once: true });
      const timer = setTimeout(() => controller.abort(new TimeoutError(`Handler on ${JSON.stringify(message.subject)}`, ms)), ms);
      const signal = controller.signal;
      return new Promise((resolve, reject) => {
        const onAbort = (): void => {
          cleanup();
          reject(signal.reason);
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          outer.removeEventListener('abort', onOuterAbort);
          signal.removeEventListener('abort', onAbort);
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        invoke(next, withSignal(message, signal)).then(
          (value) => (cleanup(), resolve(value)),
          (error: unknown) => (cleanup(), reject(error)),
        );
      });
    };
}
