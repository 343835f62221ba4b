/**
 * A tab's line to the session the leader keeps for it: over the BroadcastChannel when another tab leads,
 * or a direct call when this tab leads (then the leader's own code takes the same path as everyone's,
 * structured clone included, so behaviour does not depend on which tab happens to lead).
 * @module
 */
import { TimeoutError } from '../core/errors.js';
import { LeaderGoneError } from './errors.js';
import { ANSWERING, FrameKind, frame, type CallFrame, type ReplyFrame, type SessionOp } from './leader-frames.js';
import { DROPPED, type LeaderHost } from './leader-host.js';
import type { EventItem } from './protocol.js';

/** A line to one leader's session for this tab. */
export interface Link {
  /** The leader's host id. */
  readonly host: string;
  /** Calls `op` on this tab's session; rejects with `LeaderGoneError` once the link closed, `TimeoutError` after `timeoutMs`. */
  call(op: SessionOp, args: unknown[], timeoutMs: number): Promise<unknown>;
  /** Fails every call in flight with `LeaderGoneError`; later calls fail at once. Idempotent. */
  close(): void;
}


interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Calls in flight with their timeouts, shared by both kinds of link. */
abstract class Calls implements Link {
  readonly host: string;
  readonly #waiting = new Map<number, Waiter>();
  #next = 0;
  #closed = false;

  constructor(host: string) {
    this.host = host;
  }

  call(op: SessionOp, args: unknown[], timeoutMs: number): Promise<unknown> {
    if (this.#closed) return Promise.reject(new LeaderGoneError());
    const call = ++this.#next;
    if (!ANSWERING.has(op)) {
      this.send(call, op, args);
      return Promise.resolve(undefined);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#settle(call)?.reject(new TimeoutError(`leader call ${op}`, timeoutMs)), timeoutMs);
      this.#waiting.set(call, { resolve, reject, timer });
      try {
        this.send(call, op, args);
      } catch (error) {
        this.#settle(call)?.reject(error);
      }
    });
  }

  /** Settles call `call` with `value`; false when no such call is in flight (a forged or late reply). */
  protected answer(call: number, value: unknown): boolean {
    const waiter = this.#settle(call);
    waiter?.resolve(value);
    return waiter !== undefined;
  }

  #settle(call: number): Waiter | undefined {
    const waiter = this.#waiting.get(call);
    if (waiter === undefined) return undefined;
    this.#waiting.delete(call);
    clearTimeout(waiter.timer);
    return waiter;
  }

  protected abstract send(call: number, op: SessionOp, args: unknown[]): void;

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of [...this.#waiting.keys()]) this.#settle(call)?.reject(new LeaderGoneError());
  }
}

/** What a channel link posts on. */
export interface FramePoster {
  postMessage(data: unknown): void;
}

/** A link to a leader in another tab, over the BroadcastChannel. */
export class ChannelLink extends Calls {
  readonly #channel: FramePoster;
  readonly #tab: string;

  constructor(channel: FramePoster, tab: string, host: string) {
    super(host);
    this.#channel = channel;
    this.#tab = tab;
  }

  protected send(call: number, op: SessionOp, args: unknown[]): void {
    this.#channel.postMessage(frame<CallFrame>({ k: FrameKind.Call, from: this.#tab, to: this.host, call, op, args }));
  }

  /** A reply frame from this link's host (checked); false when it answers no call in flight. */
  reply(reply: ReplyFrame): boolean {
    return this.answer(reply.call, reply.value);
  }
}

/** The link of the leader tab to its own session. */
export class LocalLink extends Calls {
  readonly #leader: LeaderHost;
  readonly #tab: string;

  constructor(leader: LeaderHost, tab: string, onEvents: (items: EventItem[]) => void) {
    super(leader.id);
    this.#leader = leader;
    this.#tab = tab;
    leader.attachLocal(tab, (items) => onEvents(structuredClone(items)));
  }

  protected send(call: number, op: SessionOp, args: unknown[]): void {
    // cloned as a channel would: a payload no other tab could receive fails here too (not_serializable)
    const cloned = structuredClone(args);
    void this.#leader.invoke(this.#tab, op, cloned).then((value) => void (value === DROPPED || this.answer(call, value)));
  }
}
