/**
 * Acknowledges a message from its handler's outcome.
 * @module
 */
import type { Handler, Middleware } from '../core/interfaces.js';
import type { Message } from '../core/message.js';

/**
 * Handler returned → `ack()`; handler threw → `nak()` (redelivery where the transport acks) and the error
 * propagates so it is still reported. A message the handler settled itself is left alone. Without an acker
 * (memory, broadcast, NATS core) both are no-ops, so the same chain runs on every transport.
 * For poison/transient decisions and delayed redelivery use `retryPolicy` instead (it also acks on success).
 */
export function autoAck(): Middleware {
  return <T>(next: Handler<T>) =>
    async (message: Message<T>): Promise<unknown> => {
      let result: unknown;
      try {
        result = await next(message);
      } catch (error) {
        if (!message.settled) await message.nak();
        throw error;
      }
      if (!message.settled) await message.ack();
      return result;
    };
}
