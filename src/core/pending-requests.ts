/**
 * Requests waiting for their reply, for transports that route replies themselves (memory, broadcast): each
 * has a private reply subject in the bus's inbox, a timeout and an optional AbortSignal.
 * @module
 */
import { AbortedError, TimeoutError } from './errors.js';
import { randomToken } from './random-token.js';
import type { Message } from './message.js';

type Finish = (error: Error | undefined, message?: Message<unknown>) => void;

interface Pending {
  readonly finish: Finish;
  /** The peers the request went to, where the transport knows them: a reply from another is forged. */
  readonly responders: ReadonlySet<string> | undefined;
}

/** What became of a reply handed to {@link PendingRequests.resolveFrom}. */
export type ReplyOutcome = 'accepted' | 'unknown' | 'forged';

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
  readonly #pending = new Map<string, Pending>();

  constructor(owner: string) {
    this.prefix = `_INBOX.${owner}.`;
  }

  get size(): number {
    return this.#pending.size;
  }

  /**
   * Opens a request on `subject`. With `responders` (peer ids), only a reply from one of them, or from this
   * bus itself, is accepted by {@link resolveFrom}.
   */
  open(subject: string, timeoutMs: number, signal: AbortSignal | undefined, responders?: ReadonlySet<string>): OpenRequest {
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
      this.#pending.set(replyTo, { finish, responders });
    });
    return { replyTo, reply, fail: (error) => finish(error), over: over.signal };
  }

  /** True while a request waits for a reply on `replyTo`. */
  isWaiting(replyTo: string): boolean {
    return this.#pending.has(replyTo);
  }

  /** Delivers a reply; false when nobody waits (late, duplicate, or another bus's): it is then dropped, as on NATS. */
  resolve(replyTo: string, message: Message<unknown>): boolean {
    return this.resolveFrom(replyTo, undefined, message) === 'accepted';
  }

  /**
   * Delivers a reply that `from` (a peer id, or undefined for this bus itself) sent to `replyTo`. Unknown:
   * nobody waits (late, duplicate, guessed); forged: the request named its responders and `from` is not one.
   * Neither reaches the requester.
   */
  resolveFrom(replyTo: string, from: string | undefined, message: Message<unknown>): ReplyOutcome {
    const pending = this.#pending.get(replyTo);
    if (pending === undefined) return 'unknown';
    if (from !== undefined && pending.responders !== undefined && !pending.responders.has(from)) return 'forged';
    pending.finish(undefined, message);
    return 'accepted';
  }

  /** Fails every open request with `error`. */
  failAll(error: Error): void {
    for (const pending of [...this.#pending.values()]) pending.finish(error);
  }
}
