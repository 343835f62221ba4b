/**
 * The kit driver behind both tab-side buses of this folder: `WorkerBus` (a worker's MessagePorts) and
 * `LeaderBus` (a leader tab over a BroadcastChannel). Both speak the same session protocol to a host
 * (`Session`, session.ts); they differ only in their line to it ({@link SessionLine}). The front door —
 * overloads, checks, `signal`, telemetry, wiretap, timeouts, `respond`, stats, close — is the kit's facade.
 * @module
 */
import { AbortedError } from '../core/errors.js';
import type { PublishOptions, SubscribeOptions } from '../core/interfaces.js';
import { createMessage, type Message } from '../core/message.js';
import type { Driver, DriverRequestOptions, Listener, SendOptions, Sink } from '../transport/driver.js';
import { WorkerConnection } from './connection.js';
import { checkResult, checkWireMessage, decodeEvents } from './decode.js';
import { LeaderGoneError, WorkerProtocolError } from './errors.js';
import { EventKind, fromWireError, type EventItem, type HelloAnswer, type PublishItem, type Result, type SessionApi, type WireMessage } from './protocol.js';
import type { Tally } from './session.js';

/** How a tab's bus reaches its session on the host: a worker's ports, or the link to the leader tab now. */
export interface SessionLine {
  /** Who answers on this line, as {@link WorkerProtocolError} names it. */
  readonly peer: WorkerProtocolError['sender'];
  /** Called once by the driver: where the host's session events go, and what a line hands a new host. */
  attach(session: SessionDriver): void;
  /** Calls `op` on this tab's session; undefined when no host can be called now (between two leader tabs). */
  call(op: keyof SessionApi, args: unknown[], timeoutMs: number): Promise<unknown> | undefined;
  /** Publishes one item; resolves once the host's bus accepted it. */
  publish(item: PublishItem): Promise<void>;
  /** Resolves once a host can be called (at once for a worker); rejects after `timeoutMs`. */
  linked(timeoutMs: number): Promise<void>;
  /** The start of `close()`: waits for the publishes accepted so far; calls in flight then fail with `closed`. */
  flush(): Promise<void>;
  /** The end of `close()`, once every subscription ended: says goodbye and releases the line. */
  close(): Promise<void>;
  /** Counters of the line, merged into the bus's stats. */
  stats?(): Readonly<Record<string, number>>;
}

const noop = (): void => undefined;
const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** An answer from `peer`, checked: a malformed one is counted in `tally` and fails with `decode_failed`. */
export async function checkedAnswer(answer: Promise<unknown>, check: (value: unknown) => string | undefined, tally: Tally, peer: WorkerProtocolError['sender']): Promise<unknown> {
  const value = await answer;
  const problem = check(value);
  if (problem === undefined) return value;
  tally.malformed++;
  throw new WorkerProtocolError(peer, problem);
}

interface Entry {
  readonly id: number;
  readonly sink: Sink;
  /** Settles `ready` at the host's first answer; cleared then. */
  settle: { resolve(): void; reject(error: unknown): void } | undefined;
}

const checkReply = (value: unknown): string | undefined => checkResult(value, checkWireMessage);

/**
 * A tab's subscriptions and requests on a bus hosted elsewhere. Each subscription keeps its id, so a new
 * host (the next leader tab) can be given all of them again ({@link reopen}). Messages reach the tab
 * without an acker (settle them in the host when that matters). `respond` is the facade's: a tab's
 * responder is a subscription whose results are published to the request's reply subject.
 */
export class SessionDriver implements Driver<PublishOptions, SubscribeOptions> {
  readonly name = 'worker';
  /** The hosted connection's state as this tab sees it (the bus's `connection`). */
  readonly connection = new WorkerConnection();
  /** What this tab dropped from the host's side (the bus's `malformed` / `forged`). */
  readonly tally: Tally;
  readonly #line: SessionLine;
  readonly #callTimeoutMs: number;
  readonly #entries = new Map<number, Entry>();
  #nextSub = 0;
  #nextCall = 0;

  constructor(line: SessionLine, tally: Tally, callTimeoutMs: number) {
    this.#line = line;
    this.tally = tally;
    this.#callTimeoutMs = callTimeoutMs;
    line.attach(this);
  }

  stats(): Readonly<Record<string, number>> {
    return { malformed: this.tally.malformed, forged: this.tally.forged, ...this.#line.stats?.() };
  }

  send(subject: string, payload: unknown, options: SendOptions | undefined): Promise<void> {
    return this.#line.publish([subject, payload, options?.headers, options?.id]);
  }

  listen(_pattern: string, _queue: string | undefined, sink: Sink): Listener {
    const id = ++this.#nextSub;
    let entry!: Entry;
    const ready = new Promise<void>((resolve, reject) => (entry = { id, sink, settle: { resolve, reject } }));
    this.#entries.set(id, entry);
    this.#open(entry);
    return { ready, close: () => this.#release(id) };
  }

  #release(id: number): void {
    if (this.#entries.delete(id)) void this.#line.call('unsubscribe', [id], this.#callTimeoutMs)?.catch(noop);
  }

  /** (Re-)creates `entry` on the host; a refusal ends it (the first time through `ready`). */
  #open(entry: Entry): void {
    const answer = this.#line.call('subscribe', [entry.id, entry.sink.pattern, entry.sink.queue, false], this.#callTimeoutMs);
    // no host now: the next one gets it (reopen)
    if (answer === undefined) return;
    this.#result(answer, checkResult).then(
      () => {
        const settle = entry.settle;
        entry.settle = undefined;
        settle?.resolve();
      },
      (error: unknown) => {
        // the next leader re-creates it
        if (error instanceof LeaderGoneError) return;
        const live = this.#entries.get(entry.id) === entry && this.#entries.delete(entry.id);
        const settle = entry.settle;
        entry.settle = undefined;
        // the first refusal rejects `ready` (the facade ends the subscription with it); a later leader's ends it here
        if (settle !== undefined) settle.reject(error);
        else if (live) void entry.sink.end(asError(error));
      },
    );
  }

  /** A new host (the next leader tab): every subscription is created there again, oldest first. */
  reopen(): void {
    for (const entry of [...this.#entries.values()]) this.#open(entry);
  }

  async request(subject: string, payload: unknown, { timeoutMs, headers, id, signal }: DriverRequestOptions): Promise<Message<unknown>> {
    const started = Date.now();
    const call = ++this.#nextCall;
    const cancel = (): void => void this.#line.call('cancel', [call], this.#callTimeoutMs)?.catch(noop);
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      await this.#line.linked(timeoutMs);
      // aborted while waiting: the request was never sent, so the cancel found nothing to cancel
      if (signal?.aborted) throw new AbortedError(`request on ${JSON.stringify(subject)}`, signal.reason);
      const left = Math.max(1, timeoutMs - (Date.now() - started));
      const answer = this.#line.call('request', [call, subject, payload, headers, id, left], left + this.#callTimeoutMs) ?? Promise.reject(new LeaderGoneError());
      return createMessage(await this.#result<WireMessage>(answer, checkReply));
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }

  /** Checks the answer to a `hello` (the protocol version) and returns it. */
  handshake(answer: Promise<unknown>, check: (value: unknown) => string | undefined): Promise<HelloAnswer> {
    return this.#result<HelloAnswer>(answer, check);
  }

  /** An answer checked (malformed: counted, `decode_failed`) and unwrapped: an error result is thrown, rebuilt. */
  async #result<T>(answer: Promise<unknown>, check: (value: unknown) => string | undefined): Promise<T> {
    const result = (await checkedAnswer(answer, check, this.tally, this.#line.peer)) as Result<T>;
    if (!result.ok) throw fromWireError(result.error);
    return result.value;
  }

  /** A batch of session events from the host, not checked yet. */
  receive(data: unknown): void {
    const { items, problems } = decodeEvents(data);
    this.tally.malformed += problems.length;
    for (const item of items) if (this.#event(item)) this.tally.forged++;
  }

  /** Dispatches one checked event; true when it was made up. */
  #event(item: EventItem): boolean {
    if (item[0] === EventKind.Connection) return void this.connection.apply(item[2]), false;
    const entry = this.#entries.get(item[1]);
    // Late events for a subscription this tab ended are normal; one it never opened is made up.
    if (entry === undefined) return item[1] < 1 || item[1] > this.#nextSub;
    // This tab opens no responder in the host (its responders answer by publishing): an ask is made up.
    if (item[0] === EventKind.Ask) return true;
    const sink = entry.sink;
    if (item[0] === EventKind.Deliver) {
      const wait = sink.deliver(createMessage(item[2]));
      if (wait !== undefined) wait.catch(noop);
    } else if (item[0] === EventKind.Ended) {
      // ended by the host (its bus closed, a slow consumer …)
      this.#entries.delete(item[1]);
      void (item[2] === null ? sink.unsubscribe() : sink.end(fromWireError(item[2])));
    } else sink.reportError(fromWireError(item[2]));
    return false;
  }

  /** The host is gone for good: the connection shows `closed` with `reason`, every subscription ends with it. */
  async fail(reason: Error): Promise<void> {
    this.connection.end(reason);
    const sinks = [...this.#entries.values()].map((entry) => entry.sink);
    this.#entries.clear();
    await Promise.all(sinks.map((sink) => sink.end(reason)));
  }

  flush(): Promise<void> {
    return this.#line.flush();
  }

  async close(): Promise<void> {
    await this.#line.close();
    this.connection.end(undefined);
  }
}
