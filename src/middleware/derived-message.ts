/**
 * A message that replaces the payload or headers of another while settling through it.
 * @module
 */
import type { DeliveryInfo, Headers, Message } from '../core/message.js';

/** The AbortSignal bound to a message by `timeout`, kept when the message is derived again. */
const signals = new WeakMap<Message<unknown>, AbortSignal>();
const NEVER: AbortSignal = new AbortController().signal;

/** A view of `source` with another payload and/or headers; ack/nak/term/inProgress and `settled` are the source's. */
class DerivedMessage<T> implements Message<T> {
  constructor(
    readonly source: Message<unknown>,
    readonly payload: T,
    readonly headers: Headers,
  ) {}

  get subject(): string {
    return this.source.subject;
  }
  get id(): string {
    return this.source.id;
  }
  get replyTo(): string | undefined {
    return this.source.replyTo;
  }
  get delivery(): DeliveryInfo {
    return this.source.delivery;
  }
  get hasAcker(): boolean {
    return this.source.hasAcker;
  }
  get settled(): boolean {
    return this.source.settled;
  }
  ack(): Promise<void> {
    return this.source.ack();
  }
  nak(delayMs?: number): Promise<void> {
    return this.source.nak(delayMs);
  }
  term(reason?: string): Promise<void> {
    return this.source.term(reason);
  }
  inProgress(): Promise<void> {
    return this.source.inProgress();
  }
  toJSON(): object {
    return { subject: this.subject, id: this.id, headers: this.headers, payload: this.payload };
  }
}

/**
 * A message like `source` but with `changes` applied. Settling it settles `source` (and the transport's
 * delivery); the id, subject, delivery info and a bound AbortSignal carry over. Costs one small object.
 */
export function deriveMessage<T, U = T>(source: Message<T>, changes: { payload?: U; headers?: Headers }): Message<U> {
  const payload = ('payload' in changes ? changes.payload : source.payload) as U;
  const derived = new DerivedMessage<U>(source as Message<unknown>, payload, changes.headers ?? source.headers);
  const signal = signals.get(source as Message<unknown>);
  if (signal !== undefined) signals.set(derived as Message<unknown>, signal);
  return derived;
}

/** A copy of `message` that carries `signal` (see {@link signalOf}). */
export function withSignal<T>(message: Message<T>, signal: AbortSignal): Message<T> {
  const derived = new DerivedMessage<T>(message as Message<unknown>, message.payload, message.headers);
  signals.set(derived as Message<unknown>, signal);
  return derived;
}

/**
 * The AbortSignal a handler should honour for `message`: it aborts when a `timeout` middleware's deadline
 * passes (its reason is the `TimeoutError`). Without a timeout around the handler it never aborts.
 * The Message interface stays the same on every transport; the signal travels beside it.
 */
export function signalOf(message: Message<unknown>): AbortSignal {
  return signals.get(message) ?? NEVER;
}
