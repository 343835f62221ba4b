/**
 * Where a message goes when it has used up its deliveries (or cannot be decoded): a subject or a hook.
 * @module
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Headers } from '../core/message.js';
import { toNatsHeaders } from '../nats/internal.js';
import { fromJetStreamError } from './errors.js';
import { identify } from './message-id.js';

/** Headers added to a message republished to a dead-letter subject. */
export const DEAD_LETTER_HEADERS = {
  reason: 'Isoflux-Dead-Letter-Reason',
  subject: 'Isoflux-Dead-Letter-Subject',
  stream: 'Isoflux-Dead-Letter-Stream',
  sequence: 'Isoflux-Dead-Letter-Sequence',
  attempts: 'Isoflux-Dead-Letter-Attempts',
  id: 'Isoflux-Dead-Letter-Id',
} as const;

/** A message given up on, with why. */
export interface DeadLetter {
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
  /** The raw payload bytes (it may not be decodable). */
  readonly data: Uint8Array;
  /** Why it was given up on: the last handler error, `nak`, an ack timeout, or a decode failure. */
  readonly reason: string;
  /** The error behind `reason`, when there was one. */
  readonly error?: unknown;
}

/**
 * A subject (the letter is republished there through JetStream, so a stream must capture it — then the
 * letter is durable before the original is terminated) or a hook (the original is terminated once it
 * resolves). If either fails, the original is nak'ed instead, so nothing is lost; the failure is reported.
 */
export type DeadLetterTarget = string | ((letter: DeadLetter) => void | Promise<void>);

/** Builds the letter for `jm`. */
export function letterFor(jm: JsMsg, reason: string, error?: unknown): DeadLetter {
  const { headers, id } = identify(jm);
  const letter = { subject: jm.subject, stream: jm.info.stream, sequence: jm.seq, attempts: jm.info.deliveryCount, id, headers, data: jm.data, reason };
  return error === undefined ? letter : { ...letter, error };
}

/** Sends `letter` to `target`; rejects when it could not be handed over. */
export async function sendDeadLetter(js: JetStreamClient, target: DeadLetterTarget, letter: DeadLetter): Promise<void> {
  if (typeof target === 'function') return void (await target(letter));
  const headers: Record<string, string> = {
    ...letter.headers,
    [DEAD_LETTER_HEADERS.reason]: letter.reason.replace(/[\r\n]+/g, ' '),
    [DEAD_LETTER_HEADERS.subject]: letter.subject,
    [DEAD_LETTER_HEADERS.stream]: letter.stream,
    [DEAD_LETTER_HEADERS.sequence]: String(letter.sequence),
    [DEAD_LETTER_HEADERS.attempts]: String(letter.attempts),
  };
  headers[DEAD_LETTER_HEADERS.id] = letter.id;
  // an id derived from the stored position makes a second dead-lettering of the same message (after a crash)
  // a duplicate, and never collides with the original's id should the letter land in the same stream
  const id = `dead-letter.${letter.stream}.${letter.sequence}`;
  try {
    await js.publish(target, letter.data, { headers: toNatsHeaders(id, headers) });
  } catch (error) {
    throw fromJetStreamError(error, target, `dead-letter publish on ${JSON.stringify(target)}`);
  }
}
