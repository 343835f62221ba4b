/**
 * Calling a handler uniformly, and settling a message from its outcome: shared by the settling middleware
 * (`autoAck`, `retryPolicy`) and the stream processor.
 * @module
 */
import type { Handler, Middleware } from '../core/interfaces.js';
import type { Message } from '../core/message.js';

/**
 * Calls `handler` and resolves with its outcome, turning a synchronous throw into a rejection so callers
 * handle one path. A handler returning a non-promise costs one resolved promise.
 */
export function invoke<T>(handler: Handler<T>, message: Message<T>): Promise<unknown> {
  try {
    return Promise.resolve(handler(message));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Error text for `term(reason)` and logs. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Settles a failed message (nak, nak with a delay, term …). Called also when the handler settled the
 * message itself: check `message.settled` before settling again.
 */
export type SettleFailure = (message: Message<unknown>, error: unknown) => Promise<void> | void;

/**
 * Middleware that settles every message from its handler's outcome: returned → `ack()` (unless the handler
 * settled it), threw → `onFailure(message, error)`, and the error still propagates so the subscription
 * reports it. The one skeleton of `autoAck` and `retryPolicy`.
 */
export function settleByOutcome(onFailure: SettleFailure): Middleware {
  return <T>(next: Handler<T>) =>
    async (message: Message<T>): Promise<unknown> => {
      let result: unknown;
      try {
        result = await next(message);
      } catch (error) {
        await onFailure(message as Message<unknown>, error);
        throw error;
      }
      if (!message.settled) await message.ack();
      return result;
    };
}
