/**
 * Where a message goes when it has used up its deliveries (or cannot be decoded): a subject or a hook.
 * @module
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { toNatsHeaders } from '../nats/internal.js';
import { deadLetterHeaders, deadLetterId, withError, type DeadLetterInfo } from './dead-letter-fields.js';
import { fromJetStreamError } from './errors.js';
import { identify } from './message-id.js';

export { DEAD_LETTER_HEADERS, type DeadLetterInfo } from './dead-letter-fields.js';

/** A message given up on, with why, as the subscriber hands it to a hook or republishes it: with its raw bytes. */
export interface DeadLetter extends DeadLetterInfo {
  /** The raw payload bytes (it may not be decodable). */
  readonly data: Uint8Array;
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
  return withError({ subject: jm.subject, stream: jm.info.stream, sequence: jm.seq, attempts: jm.info.deliveryCount, id, headers, data: jm.data, reason }, error);
}

/** Sends `letter` to `target`; rejects when it could not be handed over. */
export async function sendDeadLetter(js: JetStreamClient, target: DeadLetterTarget, letter: DeadLetter): Promise<void> {
  if (typeof target === 'function') return void (await target(letter));
  try {
    await js.publish(target, letter.data, { headers: toNatsHeaders(deadLetterId(letter), deadLetterHeaders(letter)) });
  } catch (error) {
    throw fromJetStreamError(error, target, `dead-letter publish on ${JSON.stringify(target)}`);
  }
}
