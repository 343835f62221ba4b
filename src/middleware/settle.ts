/**
 * Calling a handler uniformly, shared by the settling middleware and the stream processor.
 * @module
 */
import type { Handler } from '../core/interfaces.js';
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
