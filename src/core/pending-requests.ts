/**
 * Requests waiting for their reply, for transports that route replies themselves (memory, broadcast): each
 * has a private reply subject in the bus's inbox, a timeout and an optional AbortSignal.
 * @module
 */
import { AbortedError, TimeoutError } from './errors.js';
import { randomToken } from './random-token.js';
import type { Message } from './message.js';

type Finish = (error: Error | undefined, message?: Message<unknown>) => void;

/** One open request. */
export interface OpenRequest {
  /** The subject the responder answers on. */
  readonly replyTo: string;
  /** The reply; rejects with `timeout`, `aborted`, or what `fail` was given. */
  readonly reply: Promise<Message<unknown>>;
  /** Ends the request with `error` (the publish failed, the bus closed). */
  fail(error: Error): void;
  /** Aborts when the request is over (reply, timeout, abort, fail): withdraws a publish still waiting for room. */
  readonly over: AbortSignal;
}

/** The inbox of one bus. Cost per request: one timer and one map entry, released on every outcome. */
export class PendingRequests {
  /** Every reply subject of this bus starts with it. */
  readonly prefix: string;
  readonly #pending = new Map<string, Finish>();

  constructor(owner: string) {
    this.prefix = `_INBOX.${owner}.`;
  }

  get size(): number {
    return this.#pending.size;
  }

  open(subject: string, timeoutMs: number, signal: AbortSignal | undefined): OpenRequest {
    // unguessable (not a counter): a reply can only come from whoever was handed the request
    const replyTo = this.prefix + randomToken();
    const what = `request on ${JSON.stringify(subject)}`;
    const over = new AbortController();
    let finish!: Finish;
    const reply = new Promise<Message<unknown>>((resolve, reject) => {
      const timer = setTimeout(() => finish(new TimeoutError(what, timeoutMs)), timeoutMs);
      const onAbort = (): void => finish(new AbortedError(what, signal?.reason));
      finish = (error, message) => {
        over.abort();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(replyTo);
        if (error) reject(error);
        else resolve(message as Message<unknown>);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(replyTo, finish);
    });
    return { replyTo, reply, fail: (error) => finish(error), over: over.signal };
  }

  /** True while a request waits for a reply on `replyTo`. */
  isWaiting(replyTo: string): boolean {
    return this.#pending.has(replyTo);
  }

  /** Delivers a reply; false when nobody waits (late, duplicate, or another bus's): it is then dropped, as on NATS. */
  resolve(replyTo: string, message: Message<unknown>): boolean {
    const finish = this.#pending.get(replyTo);
    finish?.(undefined, message);
    return finish !== undefined;
  }

  /** Fails every open request with `error`. */
  failAll(error: Error): void {
    for (const finish of [...this.#pending.values()]) finish(error);
  }
}
