/** Small waiting helpers for tests that observe asynchronous delivery. */
import type { Message, Subscription } from '../../../src/index.js';

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

/** Waits until the subscription is registered with its transport. */
export async function ready(...subscriptions: Array<Subscription<unknown>>): Promise<void> {
  await Promise.all(subscriptions.map((s) => s.ready));
}
