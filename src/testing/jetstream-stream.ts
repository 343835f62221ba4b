/**
 * The storage half of the fake JetStream: a stream of numbered messages with message-id de-duplication.
 * @module
 */
import { InvalidArgumentError, NoRespondersError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { Headers } from '../core/message.js';
import { assertSubject } from '../core/subject.js';
import { subjectMatches } from './match.js';

/** A message kept in a fake stream. */
export interface StoredMessage {
  readonly seq: number;
  readonly subject: string;
  /** The payload as a JSON round trip left it (what the default codec would deliver). */
  readonly payload: unknown;
  readonly headers: Headers;
  readonly id: string;
  /** `performance.now()` when stored (fake timers move it). */
  readonly storedAt: number;
}

/** The server's answer to a publish, as `JetStreamPublisher.publishWithAck` gives it. */
export interface FakePublishAck {
  readonly stream: string;
  readonly seq: number;
  readonly duplicate: boolean;
  readonly id: string;
}

/** Options of a {@link FakeStream}. */
export interface FakeStreamOptions {
  /** The stream's name (default `STREAM`). */
  name?: string;
  /** Subjects it captures (default `['>']`); a publish no stream captures is refused with `no_responders`. */
  subjects?: readonly string[];
  /** Ids seen within this long are duplicates (default 120 000 ms, JetStream's default). */
  duplicateWindowMs?: number;
}

function jsonCopy(payload: unknown): unknown {
  if (payload === undefined) return undefined;
  return JSON.parse(JSON.stringify(payload)) as unknown;
}

/** A stream: publish stores (or recognises a duplicate), listeners hear each new message. */
export class FakeStream {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly #windowMs: number;
  readonly #messages: StoredMessage[] = [];
  readonly #ids = new Map<string, StoredMessage>();
  readonly #listeners = new Set<(message: StoredMessage) => void>();

  constructor(options: FakeStreamOptions = {}) {
    this.name = options.name ?? 'STREAM';
    this.subjects = options.subjects ?? ['>'];
    this.#windowMs = options.duplicateWindowMs ?? 120_000;
    if (!(this.#windowMs > 0)) throw new InvalidArgumentError(`duplicateWindowMs must be positive, got ${String(options.duplicateWindowMs)}`);
    for (const subject of this.subjects) assertSubject(subject, { wildcards: true });
  }

  /** Every stored message, in sequence order. */
  get messages(): readonly StoredMessage[] {
    return this.#messages;
  }

  /** True when this stream captures `subject`. */
  captures(subject: string): boolean {
    return this.subjects.some((pattern) => subjectMatches(pattern, subject));
  }

  /** Stores a message (payload copied as JSON); a known id within the window answers `duplicate`. */
  store(subject: string, payload: unknown, headers: Headers = {}, id: string = nextId()): FakePublishAck {
    assertSubject(subject, { wildcards: false });
    if (!this.captures(subject)) throw new NoRespondersError(subject);
    const now = performance.now();
    const earlier = this.#ids.get(id);
    if (earlier !== undefined && now - earlier.storedAt < this.#windowMs) return { stream: this.name, seq: earlier.seq, duplicate: true, id };
    const message: StoredMessage = { seq: this.#messages.length + 1, subject, payload: jsonCopy(payload), headers, id, storedAt: now };
    this.#messages.push(message);
    this.#ids.set(id, message);
    for (const listener of this.#listeners) listener(message);
    return { stream: this.name, seq: message.seq, duplicate: false, id };
  }

  /** Calls `listener` with each message stored from now on; returns the function that stops it. */
  onStored(listener: (message: StoredMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
