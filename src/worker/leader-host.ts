/**
 * The leader tab's host: the same sessions a SharedWorker keeps (`SessionHub`), one per tab, reached over
 * the BroadcastChannel instead of MessagePorts. Calls of one tab run in the order they arrived.
 * @module
 */
import { IsofluxError } from '../core/errors.js';
import { ANSWERING, FrameKind, frame, type CallFrame, type EventsFrame, type ReplyFrame, type SessionOp } from './leader-frames.js';
import { SessionHub, type HubOptions } from './hub.js';
import { toWireError, type EventItem, type Result } from './protocol.js';
import type { HostedBus, Session } from './session.js';

/** Most tabs one leader serves; calls from more are dropped (counted as malformed). */
const MAX_SESSIONS = 1024;
const NO_RPC = { close: (): void => undefined };
/** What {@link LeaderHost.invoke} resolves with for a call it dropped (nothing is answered). */
export const DROPPED: unique symbol = Symbol('dropped');

/** A tab's session, once the hosted bus is up (or the reason it never came up). */
type Opened = Promise<Session | { readonly failed: unknown }>;

/** Serves the tabs of one leader. */
export class LeaderHost {
  readonly id: string;
  readonly #hub: SessionHub;
  readonly #bus: Promise<HostedBus>;
  readonly #channel: { postMessage(data: unknown): void };
  readonly #lockPrefix: string;
  readonly #sessions = new Map<string, Opened>();
  readonly #local = new Map<string, (items: EventItem[]) => void>();
  #closed = false;

  constructor(id: string, bus: Promise<HostedBus>, channel: { postMessage(data: unknown): void }, lockPrefix: string, options: HubOptions) {
    this.id = id;
    this.#bus = bus;
    this.#channel = channel;
    this.#lockPrefix = lockPrefix;
    this.#hub = new SessionHub(id, options);
    // A bus that never comes up is reported to each tab's hello; here it must not be an unhandled rejection.
    bus.catch(() => undefined);
  }

  get tally(): SessionHub['tally'] {
    return this.#hub.tally;
  }
  get sessions(): number {
    return this.#hub.sessions;
  }
  get subscriptions(): number {
    return this.#hub.subscriptions;
  }

  /** Delivers the events of tab `tab`'s session to `sink` (the leader tab's own client) instead of the channel. */
  attachLocal(tab: string, sink: (items: EventItem[]) => void): void {
    this.#local.set(tab, sink);
  }

  /** A call frame from the channel (shape already checked). Calls for another host are not ours. */
  receive(call: CallFrame): void {
    if (call.to !== this.id) return;
    void this.invoke(call.from, call.op, call.args).then((value) => {
      if (value !== DROPPED && ANSWERING.has(call.op) && !this.#closed) this.#channel.postMessage(frame<ReplyFrame>({ k: FrameKind.Reply, from: this.id, to: call.from, call: call.call, value }));
    });
  }

  /**
   * Runs `op` on tab `tab`'s session; resolves with the answer, or {@link DROPPED} for calls dropped (no
   * session, too many tabs, host closed). A `hello` opens a fresh session: a tab says it only when it
   * (re)links, so whatever an older session of that tab held is released first.
   */
  invoke(tab: string, op: SessionOp, args: unknown[]): Promise<unknown> {
    let opened = this.#sessions.get(tab);
    if (op === 'hello') {
      if (this.#closed || (opened === undefined && this.#sessions.size >= MAX_SESSIONS)) return this.#drop();
      const previous = opened;
      opened = previous === undefined ? this.#open(tab) : previous.then((s) => ('failed' in s ? undefined : s.close(false))).then(() => this.#open(tab));
      this.#sessions.set(tab, opened);
    } else if (opened === undefined) return this.#drop();
    // Chained on the same promise: one tab's calls reach its session in the order they came.
    return opened.then((session) => {
      if ('failed' in session) return op === 'hello' ? ({ ok: false, error: toWireError(session.failed) } satisfies Result<never>) : undefined;
      const method = session.api[op] as (...a: unknown[]) => unknown;
      try {
        return method(...args);
      } catch (error) {
        this.#hub.tally.malformed++;
        return { ok: false, error: toWireError(new IsofluxError('invalid_argument', `Malformed ${op} call from a follower tab.`, { cause: error })) } satisfies Result<never>;
      }
    });
  }

  #drop(): Promise<typeof DROPPED> {
    this.#hub.tally.malformed++;
    return Promise.resolve(DROPPED);
  }

  #open(tab: string): Opened {
    const events = {
      postMessage: (items: EventItem[]) => {
        const local = this.#local.get(tab);
        if (local !== undefined) local(items);
        else this.#channel.postMessage(frame<EventsFrame>({ k: FrameKind.Events, from: this.id, to: tab, items }));
      },
      close: () => undefined,
    };
    const opened: Opened = this.#bus.then(
      // The tab holds `<prefix>/tab/<id>` while it lives: its release (closed, crashed) closes the session.
      (bus) => {
        const session = this.#hub.open(bus, NO_RPC, events, `${this.#lockPrefix}/tab/${tab}`, () => {
          // only when no newer session of this tab replaced it
          if (this.#sessions.get(tab) === opened) this.#sessions.delete(tab);
        });
        return session;
      },
      (failed: unknown) => ({ failed }),
    );
    return opened;
  }

  /** Closes every session; the hosted bus is the caller's to close. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#hub.close();
  }
}
