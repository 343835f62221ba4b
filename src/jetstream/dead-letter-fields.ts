/**
 * What a dead letter says and the headers it is republished with: the wire-free half of `dead-letter.ts`.
 * It imports no NATS client, so the fake JetStream of `isoflux/testing` writes the same letters as the real
 * subscriber (the fake carries the decoded payload where the real one carries the bytes).
 * @module
 */
import type { Headers } from '../core/message.js';

/** Headers added to a message republished to a dead-letter subject. */
export const DEAD_LETTER_HEADERS = {
  reason: 'Isoflux-Dead-Letter-Reason',
  subject: 'Isoflux-Dead-Letter-Subject',
  stream: 'Isoflux-Dead-Letter-Stream',
  sequence: 'Isoflux-Dead-Letter-Sequence',
  attempts: 'Isoflux-Dead-Letter-Attempts',
  id: 'Isoflux-Dead-Letter-Id',
} as const;

/** A message given up on, with why — everything but its payload. */
export interface DeadLetterInfo {
  /** The subject it was published to. */
  readonly subject: string;
  /** The stream and sequence it is stored at. */
  readonly stream: string;
  readonly sequence: number;
  /** How many times it was delivered. */
  readonly attempts: number;
  /**
   * Its message id, as handlers saw it: the `Nats-Msg-Id` it was published with, or for a message stored
   * without one `<stream>:<sequence>` (see `storedMessageId`).
   */
  readonly id: string;
  /** Its headers (without the id). */
  readonly headers: Headers;
  /** Why it was given up on: the last handler error, `nak`, an ack timeout, or a decode failure. */
  readonly reason: string;
  /** The error behind `reason`, when there was one. */
  readonly error?: unknown;
}

/** `fields` as a letter: `error` is set only when there is one. */
export function withError<L extends Omit<DeadLetterInfo, 'error'>>(fields: L, error: unknown): L {
  return error === undefined ? fields : { ...fields, error };
}

/** The headers of `letter` republished to a subject: its own, plus where it was, why and how often it failed. */
export function deadLetterHeaders(letter: DeadLetterInfo): Record<string, string> {
  return {
    ...letter.headers,
    [DEAD_LETTER_HEADERS.reason]: letter.reason.replace(/[\r\n]+/g, ' '),
    [DEAD_LETTER_HEADERS.subject]: letter.subject,
    [DEAD_LETTER_HEADERS.stream]: letter.stream,
    [DEAD_LETTER_HEADERS.sequence]: String(letter.sequence),
    [DEAD_LETTER_HEADERS.attempts]: String(letter.attempts),
    [DEAD_LETTER_HEADERS.id]: letter.id,
  };
}

/**
 * The message id `letter` is republished with. Derived from the stored position, so a second dead-lettering
 * of the same message (after a crash) is a duplicate, and it never collides with the original's id should the
 * letter land in the same stream.
 */
export function deadLetterId(letter: Pick<DeadLetterInfo, 'stream' | 'sequence'>): string {
  return `dead-letter.${letter.stream}.${letter.sequence}`;
}
