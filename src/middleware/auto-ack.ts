/**
 * Acknowledges a message from its handler's outcome.
 * @module
 */
import type { Middleware } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { settleByOutcome } from './settle.js';

const nakUnsettled = async (message: Message<unknown>): Promise<void> => {
  if (!message.settled) await message.nak();
};

/**
 * Handler returned → `ack()`; handler threw → `nak()` (redelivery where the transport acks) and the error
 * propagates so it is still reported. A message the handler settled itself is left alone. Without an acker
 * (memory, broadcast, NATS core) both are no-ops, so the same chain runs on every transport.
 * For poison/transient decisions and delayed redelivery use `retryPolicy` instead (it also acks on success).
 */
export function autoAck(): Middleware {
  return settleByOutcome(nakUnsettled);
}
