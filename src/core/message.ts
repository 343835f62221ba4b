/**
 * The message envelope every transport delivers.
 * @module
 */
import { nextId } from './id.js';

/** Message headers: string keys to string values (they cross every transport as text). */
export type Headers = Readonly<Record<string, string>>;

/**
 * Settles a delivered message with its transport. Transports that acknowledge (JetStream, the outbox)
 * implement it; the others deliver messages without one.
 */
export interface Acker {
  /** Processing succeeded: the transport will not redeliver. */
  ack(): Promise<void>;
  /** Processing failed: redeliver, after `delayMs` when given. */
  nak(delayMs?: number): Promise<void>;
  /** Never redeliver (poison message). `reason` is reported where the transport can carry it. */
  term(reason?: string): Promise<void>;
  /** Still working: extend the acknowledgement deadline. */
  inProgress(): Promise<void>;
}

/** How a message was delivered: lets retry policies tell a first delivery from a redelivery. */
export interface DeliveryInfo {
  /** 1 on first delivery, 2 on the first redelivery, … */
  readonly attempt: number;
  /** Sequence in the stream, for transports that have one. */
  readonly sequence?: number;
}

/** A message as a handler receives it. */
export interface Message<T = unknown> {
  /** The literal subject it was published to. */
  readonly subject: string;
  /** The decoded payload. Treat it as read-only: other subscribers may see the same value. */
  readonly payload: T;
  /** Headers set by the publisher and by middleware (trace context, ids). */
  readonly headers: Headers;
  /** The message id, assigned at publish and kept across every hop (used for de-duplication). */
  readonly id: string;
  /** Subject a reply goes to, when the message is a request. */
  readonly replyTo: string | undefined;
  /** Delivery metadata (attempt count, sequence). */
  readonly delivery: DeliveryInfo;
  /** True when the transport acknowledges: then ack/nak/term/inProgress talk to it; otherwise they are no-ops. */
  readonly hasAcker: boolean;
  /** See {@link Acker.ack}. A no-op without an acker. Settling twice is a no-op. */
  ack(): Promise<void>;
  /** See {@link Acker.nak}. A no-op without an acker. */
  nak(delayMs?: number): Promise<void>;
  /** See {@link Acker.term}. A no-op without an acker. */
  term(reason?: string): Promise<void>;
  /** See {@link Acker.inProgress}. A no-op without an acker. */
  inProgress(): Promise<void>;
  /** True once ack, nak or term was called. */
  readonly settled: boolean;
}

/** What a transport knows about a message when it builds one. */
export interface MessageInit<T> {
  subject: string;
  payload: T;
  headers?: Headers | undefined;
  /** Omitted: a new id is made on first read. */
  id?: string | undefined;
  replyTo?: string | undefined;
  delivery?: DeliveryInfo | undefined;
  acker?: Acker | undefined;
}

const NO_HEADERS: Headers = Object.freeze({});
const FIRST_DELIVERY: DeliveryInfo = Object.freeze({ attempt: 1 });
const DONE: Promise<void> = Promise.resolve();

/** The standard {@link Message} implementation; transports create it with {@link createMessage}. */
class Envelope<T> implements Message<T> {
  readonly subject: string;
  readonly payload: T;
  readonly headers: Headers;
  readonly replyTo: string | undefined;
  readonly delivery: DeliveryInfo;
  #id: string | undefined;
  #acker: Acker | undefined;
  #settled = false;

  constructor(subject: string, payload: T, headers: Headers | undefined, id: string | undefined, replyTo: string | undefined, delivery: DeliveryInfo | undefined, acker: Acker | undefined) {
    this.subject = subject;
    this.payload = payload;
    this.headers = headers ?? NO_HEADERS;
    this.replyTo = replyTo;
    this.delivery = delivery ?? FIRST_DELIVERY;
    this.#id = id;
    this.#acker = acker;
  }

  get id(): string {
    return (this.#id ??= nextId());
  }

  get hasAcker(): boolean {
    return this.#acker !== undefined;
  }

  get settled(): boolean {
    return this.#settled;
  }

  ack(): Promise<void> {
    return this.#settle((a) => a.ack());
  }

  nak(delayMs?: number): Promise<void> {
    return this.#settle((a) => a.nak(delayMs));
  }

  term(reason?: string): Promise<void> {
    return this.#settle((a) => a.term(reason));
  }

  inProgress(): Promise<void> {
    if (this.#acker === undefined || this.#settled) return DONE;
    return this.#acker.inProgress();
  }

  #settle(action: (acker: Acker) => Promise<void>): Promise<void> {
    if (this.#settled) return DONE;
    this.#settled = true;
    return this.#acker === undefined ? DONE : action(this.#acker);
  }

  toJSON(): object {
    return { subject: this.subject, id: this.id, headers: this.headers, payload: this.payload };
  }
}

/** Builds a {@link Message}. Without `acker`, ack/nak/term/inProgress are harmless no-ops. */
export function createMessage<T>(init: MessageInit<T>): Message<T> {
  return new Envelope(init.subject, init.payload, init.headers, init.id, init.replyTo, init.delivery, init.acker);
}

/**
 * {@link createMessage} with positional arguments, for transports' hot paths (no init object).
 * @internal
 */
export function newMessage<T>(subject: string, payload: T, headers: Headers | undefined, id: string | undefined, replyTo: string | undefined): Message<T> {
  return new Envelope(subject, payload, headers, id, replyTo, undefined, undefined);
}
