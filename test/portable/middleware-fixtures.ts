/** Messages with a recording acker, standing in for an acking transport (JetStream, the outbox) in tests. */
import { createMessage, type Acker, type Handler, type Headers, type Message } from '../../src/index.js';

/** A message whose settlements are recorded as `ack`, `nak`, `nak:<ms>`, `term:<reason>`, `wip`. */
export function ackable<T>(payload: T, init: { subject?: string; attempt?: number; id?: string; headers?: Headers } = {}): { message: Message<T>; settled: string[] } {
  const settled: string[] = [];
  const acker: Acker = {
    ack: async () => void settled.push('ack'),
    nak: async (delayMs) => void settled.push(delayMs === undefined ? 'nak' : `nak:${delayMs}`),
    term: async (reason) => void settled.push(`term:${reason ?? ''}`),
    inProgress: async () => void settled.push('wip'),
  };
  const message = createMessage({ subject: init.subject ?? 'orders.created', payload, id: init.id, headers: init.headers, delivery: { attempt: init.attempt ?? 1 }, acker });
  return { message, settled };
}

/**
 * Delivers `payload` to `handler` the way a redelivering transport does: again (attempt + 1) after every
 * nak, until it is acked or termed or `maxDeliveries` is reached. Returns every settlement in order.
 */
export async function redeliver<T>(handler: Handler<T>, payload: T, maxDeliveries = 10): Promise<string[]> {
  const log: string[] = [];
  for (let attempt = 1; attempt <= maxDeliveries; attempt++) {
    const { message, settled } = ackable(payload, { attempt, id: 'same-id' });
    try {
      await handler(message);
    } catch {
      // the transport only looks at the settlement
    }
    log.push(...settled);
    if (!settled.some((s) => s.startsWith('nak'))) break;
  }
  return log;
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
