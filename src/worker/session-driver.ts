/**
 * The kit driver behind both tab-side buses of this folder: `WorkerBus` (a worker's MessagePorts) and
 * `LeaderBus` (a leader tab over a BroadcastChannel). Both speak the same session protocol to a host
 * (`Session`, session.ts); they differ only in their line to it ({@link SessionLine}). The front door —
 * overloads, checks, `signal`, telemetry, wiretap, timeouts, `respond`, stats, close — is the kit's facade
 * (`SessionBus`, session-bus.ts, marks a responder's subscription so the host asks it, see {@link RESPONDER}).
 * @module
 */
import { AbortedError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { PublishOptions, SubscribeOptions } from '../core/interfaces.js';
import { createMessage, type Headers, type Message } from '../core/message.js';
import { ERROR_CODE_HEADER, ERROR_MESSAGE_HEADER } from '../core/reply.js';
import type { Driver, DriverRequestOptions, Listener, SendOptions, Sink } from '../transport/driver.js';
import { WorkerConnection } from './connection.js';
import { checkResult, checkWireMessage, decodeEvents } from './decode.js';
import { LeaderGoneError, WorkerProtocolError } from './errors.js';
import { EventKind, asNotSerializable, fromWireError, type EventItem, type HelloAnswer, type PublishItem, type Result, type SessionApi, type WireMessage } from './protocol.js';
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
  /** True while a host can be called (always for a worker). */
  readonly isLinked: boolean;
  /** Resolves once a host can be called; rejects after `timeoutMs`. */
  linked(timeoutMs: number): Promise<void>;
  /** The start of `close()`: waits for the publishes accepted so far; calls in flight then fail with `closed`. */
  flush(): Promise<void>;
  /** The end of `close()`, once every subscription ended: says goodbye and releases the line. */
  close(): Promise<void>;
  /** Counters of the line, merged into the bus's stats. */
  stats?(): Readonly<Record<string, number>>;
}

const noop = (): void => undefined;
const RESOLVED: Promise<void> = Promise.resolve();
const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** An answer from `peer`, checked: a malformed one is counted in `tally` and fails with `decode_failed`. */
export async function checkedAnswer(answer: Promise<unknown>, check: (value: unknown) => string | undefined, tally: Tally, peer: WorkerProtocolError['sender']): Promise<unknown> {
  const value = await answer;
  const problem = check(value);
  if (problem === undefined) return value;
  tally.malformed++;
  throw new WorkerProtocolError(peer, problem);
}

/**
 * Set on the subscribe options of a tab's responder (by `SessionBus.respond`): the host then serves it with
 * its bus's `respond` and hands each request over as an ask, bounded by the host's `answerTimeoutMs` and
 * failed at once when the tab closes; the tab's answer goes back with the session's `answer` call.
 */
export const RESPONDER: unique symbol = Symbol('isoflux.worker.responder');

/** Open asks kept for answering (a hung responder's are forgotten oldest first; the host timed them out). */
const MAX_OPEN_ASKS = 4096;

interface Entry {
  readonly id: number;
  readonly sink: Sink;
  /** A responder: the host sends asks, not deliveries. */
  readonly respond: boolean;
  /** Settles `ready` at the host's first answer; cleared then. */
  settle: { resolve(): void; reject(error: unknown): void } | undefined;
}

const checkReply = (value: unknown): string | undefined => checkResult(value, checkWireMessage);

/**
 * A tab's subscriptions and requests on a bus hosted elsewhere. Each subscription keeps its id, so a new
 * host (the next leader tab) can be given all of them again ({@link reopen}). Messages reach the tab
 * without an acker (settle them in the host when that matters).
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
  /** Asks handed to a responder here and not answered yet. */
  readonly #asks = new Set<number>();
  /** The reply subject of an ask is `<prefix><call>`: the facade's `respond` answers it through {@link send}. */
  readonly #askPrefix = `_INBOX.${nextId()}.`;
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
    if (subject.startsWith(this.#askPrefix)) return this.#answer(Number(subject.slice(this.#askPrefix.length)), payload, options?.headers);
    return this.#line.publish([subject, payload, options?.headers, options?.id]);
  }

  /** A responder's reply (error headers: its failure) to ask `call`, back to the host; later ones are dropped. */
  #answer(call: number, payload: unknown, headers: Headers | undefined): Promise<void> {
    if (!this.#asks.has(call)) return RESOLVED;
    const code = headers?.[ERROR_CODE_HEADER];
    const result: Result<unknown> = code === undefined ? { ok: true, value: payload } : { ok: false, error: { name: 'Error', message: headers?.[ERROR_MESSAGE_HEADER] ?? '', code } };
    let sent: Promise<unknown> | undefined;
    try {
      sent = this.#line.call('answer', [call, result], this.#callTimeoutMs);
    } catch (error) {
      // postMessage refused the result: the responder's wrapper answers with that error instead
      return Promise.reject(asNotSerializable(error));
    }
    return (sent ?? RESOLVED).then(
      () => void this.#asks.delete(call),
      (error: unknown) => Promise.reject(asNotSerializable(error)),
    );
  }

  listen(_pattern: string, _queue: string | undefined, sink: Sink, options: SubscribeOptions | undefined): Listener {
    const id = ++this.#nextSub;
    const respond = (options as { [RESPONDER]?: unknown } | undefined)?.[RESPONDER] === true;
    let entry!: Entry;
    const ready = new Promise<void>((resolve, reject) => (entry = { id, sink, respond, settle: { resolve, reject } }));
    this.#entries.set(id, entry);
    this.#open(entry);
    return { ready, close: () => this.#release(id) };
  }

  #release(id: number): void {
    if (this.#entries.delete(id)) void this.#line.call('unsubscribe', [id], this.#callTimeoutMs)?.catch(noop);
  }

  /** (Re-)creates `entry` on the host; a refusal ends it (the first time through `ready`). */
  #open(entry: Entry): void {
    const answer = this.#line.call('subscribe', [entry.id, entry.sink.pattern, entry.sink.queue, entry.respond], this.#callTimeoutMs);
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
    // the old host's asks cannot be answered any more (and the new host's call ids start again)
    this.#asks.clear();
    for (const entry of [...this.#entries.values()]) this.#open(entry);
  }

  async request(subject: string, payload: unknown, { timeoutMs, headers, id, signal }: DriverRequestOptions): Promise<Message<unknown>> {
    const call = ++this.#nextCall;
    const cancel = (): void => void this.#line.call('cancel', [call], this.#callTimeoutMs)?.catch(noop);
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      let left = timeoutMs;
      if (!this.#line.isLinked) {
        // between two leader tabs: the wait for the next one counts against the request's timeout
        const started = Date.now();
        await this.#line.linked(timeoutMs);
        // aborted meanwhile: the request was never sent, so the cancel found nothing to cancel
        if (signal?.aborted) throw new AbortedError(`request on ${JSON.stringify(subject)}`, signal.reason);
        left = Math.max(1, timeoutMs - (Date.now() - started));
      }
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
    const sink = entry.sink;
    if (item[0] === EventKind.Deliver || item[0] === EventKind.Ask) {
      // an ask goes only to a responder; its reply subject routes the answer back to the call
      if (item[0] === EventKind.Ask && !entry.respond) return true;
      const message = item[0] === EventKind.Deliver ? createMessage(item[2]) : this.#ask(item[2], item[3]);
      const wait = sink.deliver(message);
      if (wait !== undefined) wait.catch(noop);
    } else if (item[0] === EventKind.Ended) {
      // ended by the host (its bus closed, a slow consumer …)
      this.#entries.delete(item[1]);
      void (item[2] === null ? sink.unsubscribe() : sink.end(fromWireError(item[2])));
    } else sink.reportError(fromWireError(item[2]));
    return false;
  }

  #ask(call: number, wire: WireMessage): Message<unknown> {
    if (this.#asks.size >= MAX_OPEN_ASKS) this.#asks.delete(this.#asks.values().next().value as number);
    this.#asks.add(call);
    return createMessage({ ...wire, replyTo: `${this.#askPrefix}${call}` });
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
