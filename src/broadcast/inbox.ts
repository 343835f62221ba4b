/**
 * The reply inbox of one broadcast bus. Every request gets its own unguessable reply subject (128 random
 * bits, see `randomToken`), and remembers which peers it went to: the tabs that had announced interest in
 * its subject when it was sent. A reply from any other sender is forged (or misrouted) and is dropped, so a
 * script on the channel cannot answer another tab's request by claiming to be a tab that is not a responder.
 * @module
 */
import { AbortedError, TimeoutError } from '../core/errors.js';
import type { Message } from '../core/message.js';
import { randomToken } from '../core/random-token.js';

/** What became of a reply handed to {@link ReplyInbox.resolve}. */
export type ReplyOutcome = 'accepted' | 'unknown' | 'forged';

/** One open request. */
export interface OpenReply {
  /** The subject the responder answers on. */
  readonly replyTo: string;
  /** The reply; rejects with `timeout`, `aborted`, or what `fail` was given. */
  readonly reply: Promise<Message<unknown>>;
  /** Ends the request with `error` (the publish failed, the bus closed). */
  fail(error: Error): void;
}

interface Pending {
  /** Peer ids the request went to; a reply from this bus itself is always accepted. */
  readonly responders: ReadonlySet<string>;
  finish(error: Error | undefined, message?: Message<unknown>): void;
}

/** Open requests of one bus. Cost per request: one timer, one map entry and a small set, released on every outcome. */
export class ReplyInbox {
  /** Every reply subject of this bus starts with it (the bus id is public; the random part is not). */
  readonly prefix: string;
  readonly #pending = new Map<string, Pending>();

  constructor(owner: string) {
    this.prefix = `_INBOX.${owner}.`;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Opens a request on `subject` that only `responders` (peer ids) or this bus itself may answer. */
  open(subject: string, responders: ReadonlySet<string>, timeoutMs: number, signal: AbortSignal | undefined): OpenReply {
    const replyTo = this.prefix + randomToken();
    const what = `request on ${JSON.stringify(subject)}`;
    let finish!: Pending['finish'];
    const reply = new Promise<Message<unknown>>((resolve, reject) => {
      const timer = setTimeout(() => finish(new TimeoutError(what, timeoutMs)), timeoutMs);
      const onAbort = (): void => finish(new AbortedError(what, signal?.reason));
      finish = (error, message) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(replyTo);
        if (error) reject(error);
        else resolve(message as Message<unknown>);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(replyTo, { responders, finish });
    });
    return { replyTo, reply, fail: (error) => finish(error) };
  }

  /**
   * Delivers a reply that `from` (a peer id, or undefined for this bus itself) sent to `replyTo`. Unknown:
   * nobody waits (late, duplicate, guessed); forged: the sender is not a peer the request went to. Neither
   * reaches the requester.
   */
  resolve(replyTo: string, from: string | undefined, message: Message<unknown>): ReplyOutcome {
    const pending = this.#pending.get(replyTo);
    if (pending === undefined) return 'unknown';
    if (from !== undefined && !pending.responders.has(from)) return 'forged';
    pending.finish(undefined, message);
    return 'accepted';
  }

  /** Fails every open request with `error`. */
  failAll(error: Error): void {
    for (const pending of [...this.#pending.values()]) pending.finish(error);
  }
}
