/**
 * The delivery half of the fake JetStream: a consumer over a {@link FakeStream} with explicit acks — pending
 * messages, ack-wait expiry, nak with delay, term, in-progress, a redelivery limit with dead letters. Timers
 * are plain `setTimeout`s, so fake timers (Vitest, @sinonjs/fake-timers) drive ack waits and nak delays.
 * @module
 */
import { createMessage, type Acker, type Message } from '../core/message.js';
import type { BufferedSubscription } from '../core/subscription.js';
import { deadLetterHeaders, deadLetterId, withError, type DeadLetterInfo } from '../jetstream/dead-letter-fields.js';
import type { RetryBehaviour } from '../jetstream/retry-options.js';
import type { TapSource } from './emit.js';
import type { FakeStream, StoredMessage } from './jetstream-stream.js';
import { subjectMatches } from './match.js';

/** Where a message goes after its last allowed delivery: a subject of the fake stream, or a hook. */
export type FakeDeadLetterTarget = string | ((letter: FakeDeadLetter) => void | Promise<void>);

/** A message given up on: the real `DeadLetter` of `isoflux/jetstream`, with the payload decoded instead of its bytes. */
export interface FakeDeadLetter extends DeadLetterInfo {
  /** The payload, as the stream stored it. */
  readonly payload: unknown;
}

/**
 * How a consumer settles and retries: the real `ConsumerBehaviour`'s retry triple (`maxAttempts`, `backoff`,
 * `isRetryable`, and the deprecated `maxDeliver` / `retryDelayMs`), dead letters, ack wait and start.
 */
export interface FakeConsumerBehaviour extends RetryBehaviour {
  /** Redelivered after this long without an ack (default 30 000 ms). */
  ackWaitMs?: number;
  /** Where dead letters go (default: they are only terminated, and listed in `deadLetters`). */
  deadLetter?: FakeDeadLetterTarget;
  /** Where a new consumer starts: `all` (default), `new`, or a sequence. */
  deliver?: 'all' | 'new' | { sequence: number };
}

interface Pending {
  readonly attempt: number;
  timer: ReturnType<typeof setTimeout>;
  readonly deliveredAt: number;
}

/** What a consumer needs from the fake JetStream around it. */
export interface ConsumerHost {
  readonly stream: FakeStream;
  readonly source: TapSource;
  /** Records a dead letter (the fake lists them). */
  recordDeadLetter(letter: FakeDeadLetter): void;
  /** Reports a failure no caller can receive (a dead-letter hand-over that failed). */
  report(error: unknown): void;
}

const DONE: Promise<void> = Promise.resolve();
const ackers = new WeakMap<Message<unknown>, FakeAcker>();

/** The acker behind a message this fake delivered (for the automatic nak with the handler's error). */
export function ackerOf(message: Message<unknown>): FakeAcker | undefined {
  return ackers.get(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A consumer: one cursor over the stream, its unacknowledged messages, and the subscriptions it feeds. */
export class FakeConsumer {
  readonly #host: ConsumerHost;
  readonly #behaviour: FakeConsumerBehaviour;
  readonly #pending = new Map<number, Pending>();
  readonly #members: Array<BufferedSubscription<unknown>> = [];
  /** Messages due (first deliveries and redeliveries) while no member could take them. */
  readonly #due: Array<{ entry: StoredMessage; attempt: number }> = [];
  readonly #stop: () => void;
  #next = 0;
  #deleted = false;

  constructor(
    host: ConsumerHost,
    readonly name: string,
    readonly filter: string,
    behaviour: FakeConsumerBehaviour,
  ) {
    this.#host = host;
    this.#behaviour = behaviour;
    const deliver = behaviour.deliver ?? 'all';
    const from = deliver === 'all' ? 1 : deliver === 'new' ? Infinity : deliver.sequence;
    for (const entry of host.stream.messages) if (entry.seq >= from && this.#wants(entry)) this.#due.push({ entry, attempt: 1 });
    this.#stop = host.stream.onStored((entry) => {
      if (this.#wants(entry)) queueMicrotask(() => this.#dispatch(entry, 1));
    });
  }

  /** Messages delivered and not yet acknowledged. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Adds a subscription to feed; messages waiting for one are delivered now. */
  join(member: BufferedSubscription<unknown>): void {
    this.#members.push(member);
    queueMicrotask(() => {
      for (const { entry, attempt } of this.#due.splice(0)) this.#dispatch(entry, attempt);
    });
  }

  /** Removes a subscription; its unacknowledged messages come back after the ack wait. */
  leave(member: BufferedSubscription<unknown>): void {
    const i = this.#members.indexOf(member);
    if (i !== -1) this.#members.splice(i, 1);
  }

  get members(): number {
    return this.#members.length;
  }

  /** Deletes the consumer: nothing more is delivered or redelivered. */
  delete(): void {
    this.#deleted = true;
    this.#stop();
    for (const pending of this.#pending.values()) clearTimeout(pending.timer);
    this.#pending.clear();
    this.#due.length = 0;
  }

  #wants(entry: StoredMessage): boolean {
    return subjectMatches(this.filter, entry.subject);
  }

  #pick(): BufferedSubscription<unknown> | undefined {
    const open = this.#members.filter((m) => !m.isClosed);
    if (open.length === 0) return undefined;
    return open[this.#next++ % open.length];
  }

  #dispatch(entry: StoredMessage, attempt: number): void {
    if (this.#deleted) return;
    const member = this.#pick();
    if (member === undefined) return void this.#due.push({ entry, attempt });
    const { maxAttempts } = this.#behaviour;
    // as the real subscriber does with the server's redelivery after an ack timeout on the last allowed attempt
    if (maxAttempts !== undefined && attempt > maxAttempts) {
      return void this.giveUp(entry, attempt, `delivered ${attempt} times, more than maxAttempts ${maxAttempts} (not acknowledged in time)`);
    }
    const acker = new FakeAcker(this, entry, attempt);
    const message = createMessage({
      subject: entry.subject,
      payload: entry.payload,
      headers: entry.headers,
      id: entry.id,
      delivery: { attempt, sequence: entry.seq },
      acker,
    });
    acker.message = message;
    ackers.set(message, acker);
    this.#pending.set(entry.seq, { attempt, timer: this.#ackTimer(entry, attempt), deliveredAt: performance.now() });
    this.#host.source.emitMessage('delivered', message, { pattern: this.filter, queue: this.name });
    // a buffer that drops it leaves it pending: it comes back after the ack wait, as on the server
    void member.deliver(message)?.catch(() => undefined);
  }

  #ackTimer(entry: StoredMessage, attempt: number): ReturnType<typeof setTimeout> {
    return setTimeout(() => {
      const pending = this.#pending.get(entry.seq);
      if (pending === undefined || pending.attempt !== attempt) return;
      this.#pending.delete(entry.seq);
      this.#dispatch(entry, attempt + 1);
    }, this.#behaviour.ackWaitMs ?? 30_000);
  }

  /** Settles `entry`'s delivery `attempt` (only if it is still the pending one). Returns the pending record. */
  #settle(entry: StoredMessage, attempt: number): Pending | undefined {
    const pending = this.#pending.get(entry.seq);
    if (pending === undefined || pending.attempt !== attempt) return undefined;
    clearTimeout(pending.timer);
    this.#pending.delete(entry.seq);
    return pending;
  }

  ack(entry: StoredMessage, attempt: number, message: Message<unknown>): void {
    const pending = this.#settle(entry, attempt);
    if (pending !== undefined) this.#host.source.emitMessage('acked', message, { pattern: this.filter, durationMs: performance.now() - pending.deliveredAt });
  }

  /**
   * A failed attempt: redelivered (after `delayMs`), or dead-lettered when it was the last allowed one or
   * `isRetryable` refuses `error` (the reasons are the real subscriber's).
   */
  fail(entry: StoredMessage, attempt: number, message: Message<unknown>, error: unknown, delayMs: number | undefined): Promise<void> {
    if (this.#settle(entry, attempt) === undefined) return DONE;
    const { maxAttempts, isRetryable } = this.#behaviour;
    const why = error === undefined ? 'nak' : describe(error);
    if (maxAttempts !== undefined && attempt >= maxAttempts) return this.giveUp(entry, attempt, `failed on delivery ${attempt} of ${maxAttempts}: ${why}`, error);
    if (error !== undefined && isRetryable !== undefined && !isRetryable(error)) return this.giveUp(entry, attempt, `not retryable (delivery ${attempt}): ${why}`, error);
    this.#host.source.emitMessage('naked', message, { pattern: this.filter, reason: why, error });
    this.#redeliver(entry, attempt + 1, delayMs);
    return DONE;
  }

  term(entry: StoredMessage, attempt: number, message: Message<unknown>, reason: string | undefined): void {
    if (this.#settle(entry, attempt) !== undefined) this.#host.source.emitMessage('terminated', message, { pattern: this.filter, reason });
  }

  inProgress(entry: StoredMessage, attempt: number): void {
    const pending = this.#pending.get(entry.seq);
    if (pending === undefined || pending.attempt !== attempt) return;
    clearTimeout(pending.timer);
    pending.timer = this.#ackTimer(entry, attempt);
  }

  /** The automatic nak delay after a handler failure on `attempt`: `backoff(attempt)`. */
  backoffFor(attempt: number): number | undefined {
    return this.#behaviour.backoff?.(attempt);
  }

  #redeliver(entry: StoredMessage, attempt: number, delayMs: number | undefined): void {
    if (delayMs === undefined || delayMs <= 0) queueMicrotask(() => this.#dispatch(entry, attempt));
    else setTimeout(() => this.#dispatch(entry, attempt), delayMs);
  }

  /**
   * Hands the message to the dead-letter target, then terminates it; a failed hand-over naks it instead
   * (redelivered after `backoff(attempt)`, on a timer so a hook that keeps failing cannot starve the loop).
   */
  async giveUp(entry: StoredMessage, attempt: number, reason: string, error?: unknown): Promise<void> {
    const letter: FakeDeadLetter = withError(
      { subject: entry.subject, stream: this.#host.stream.name, sequence: entry.seq, attempts: attempt, id: entry.id, headers: entry.headers, payload: entry.payload, reason },
      error,
    );
    const target = this.#behaviour.deadLetter;
    try {
      if (typeof target === 'function') await target(letter);
      else if (target !== undefined) this.#host.stream.store(target, entry.payload, deadLetterHeaders(letter), deadLetterId(letter));
    } catch (failure) {
      this.#host.report(failure);
      setTimeout(() => this.#dispatch(entry, attempt + 1), this.backoffFor(attempt) ?? 0);
      return;
    }
    this.#host.recordDeadLetter(letter);
    this.#host.source.emit('dead-lettered', {
      subject: entry.subject,
      id: entry.id,
      payload: entry.payload,
      headers: entry.headers,
      pattern: this.filter,
      reason,
    });
  }
}

/** The acker of one delivery attempt. Settles once. */
export class FakeAcker implements Acker {
  message!: Message<unknown>;
  #settled = false;

  constructor(
    readonly consumer: FakeConsumer,
    readonly entry: StoredMessage,
    readonly attempt: number,
  ) {}

  #claim(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }

  ack(): Promise<void> {
    if (this.#claim()) this.consumer.ack(this.entry, this.attempt, this.message);
    return DONE;
  }

  nak(delayMs?: number): Promise<void> {
    return this.fail(undefined, delayMs);
  }

  /** A failed attempt with the error behind it (the automatic nak). */
  fail(error: unknown, delayMs?: number): Promise<void> {
    if (!this.#claim()) return DONE;
    return this.consumer.fail(this.entry, this.attempt, this.message, error, delayMs);
  }

  term(reason?: string): Promise<void> {
    if (this.#claim()) this.consumer.term(this.entry, this.attempt, this.message, reason);
    return DONE;
  }

  inProgress(): Promise<void> {
    if (!this.#settled) this.consumer.inProgress(this.entry, this.attempt);
    return DONE;
  }
}
