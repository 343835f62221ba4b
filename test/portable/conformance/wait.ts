/** Small waiting helpers for tests that observe asynchronous delivery. */
import type { Message, Subscription } from '../../../src/index.js';
import { until } from '../waits.js';

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Collects messages passed to `push` and lets a test wait until `n` arrived (or fail after `timeoutMs`). */
export class Inbox<T = unknown> {
  readonly messages: Array<Message<T>> = [];
  #waiters: Array<() => void> = [];

  readonly push = (message: Message<T>): void => {
    this.messages.push(message);
    for (const w of this.#waiters.splice(0)) w();
  };

  get payloads(): T[] {
    return this.messages.map((m) => m.payload);
  }

  async waitFor(n: number, timeoutMs = 2000): Promise<Array<Message<T>>> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${n} message(s) within ${timeoutMs} ms, got ${this.messages.length}: ${JSON.stringify(this.payloads)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.messages;
  }
}

/** The payload of a barrier marker; tests filter it out with {@link real}. */
export const MARKER = 'isoflux:marker';

/** An inbox's payloads without barrier markers. */
export const real = (inbox: Inbox): unknown[] => inbox.payloads.filter((p) => p !== MARKER);

/**
 * A causal barrier for transports that deliver one publisher's messages in order (the suite requires it):
 * `publish` sends a {@link MARKER} after the messages under test, again until every inbox holds one (a queue
 * group hands each marker to one member). Then every message published before has reached each inbox, or
 * never will: a negative ("nothing more arrived") is proven without waiting out a quiet period.
 */
export async function afterMarker(publish: () => Promise<unknown>, inboxes: Inbox[], timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const markers = (): number => inboxes.reduce((sum, i) => sum + i.payloads.filter((p) => p === MARKER).length, 0);
  while (!inboxes.every((i) => i.payloads.includes(MARKER))) {
    const before = markers();
    await publish();
    await until(() => markers() > before, { timeoutMs: Math.max(1, deadline - Date.now()), what: 'a barrier marker to arrive' });
  }
}

/** Waits until the subscription is registered with its transport. */
export async function ready(...subscriptions: Array<Subscription<unknown>>): Promise<void> {
  await Promise.all(subscriptions.map((s) => s.ready));
}
