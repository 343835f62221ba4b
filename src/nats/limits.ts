/**
 * The server's `max_control_line`, checked before anything reaches the wire. nats-server closes the whole
 * connection when a protocol line is too long, and nats-core re-sends every subscription on reconnect, so
 * one over-long subscription would make the connection flap and starve every other subscription on it.
 * @module
 */
import { InvalidArgumentError, InvalidSubjectError } from '../core/errors.js';

/** nats-server's default `max_control_line` (bytes). */
export const DEFAULT_MAX_CONTROL_LINE = 4096;

/**
 * Digits kept free for the subscription id nats-core appends to `SUB` (it is only known once sent): the
 * longest safe integer has 16 digits, so a subscription accepted here fits whatever id it gets.
 */
const SID_DIGITS = 16;
/**
 * nats-core's muxed request reply subject is `<inboxPrefix>.<22-character nuid>.<token>`; its token has 8
 * characters today, 22 are kept free so a longer one still fits.
 */
const MUX_REPLY_SUFFIX = 1 + 22 + 1 + 22;

const encoder = new TextEncoder();
const NON_ASCII = /[^\x00-\x7f]/;

function byteLength(text: string): number {
  return NON_ASCII.test(text) ? encoder.encode(text).length : text.length;
}

/** A subject, queue or reply subject makes a protocol line longer than the server accepts. Nothing was sent. */
export class ControlLineTooLongError extends InvalidSubjectError {
  constructor(
    subject: string,
    /** The protocol verb whose line is too long: `PUB`, `HPUB` or `SUB`. */
    readonly verb: 'PUB' | 'HPUB' | 'SUB',
    /** Bytes the server would count (the arguments after the verb, without CRLF). */
    readonly length: number,
    /** The `maxControlLine` in force. */
    readonly limit: number,
  ) {
    super(subject, '');
    const shown = subject.length > 64 ? `${JSON.stringify(subject.slice(0, 64))}… (${subject.length} characters)` : JSON.stringify(subject);
    this.message =
      `Invalid subject ${shown}: its ${verb} protocol line would be ${length} bytes, over the server's max_control_line of ${limit}; ` +
      'nothing was sent (the server would drop the whole connection). Shorten the subject (or queue / reply subject), or raise ' +
      '`max_control_line` in the nats-server config and pass the same value as the bus option `maxControlLine`.';
  }
}

/** Validates a `maxControlLine` option. */
export function resolveMaxControlLine(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_CONTROL_LINE;
  if (!Number.isInteger(value) || value < 64) throw new InvalidArgumentError(`maxControlLine must be an integer of at least 64 bytes, got ${String(value)}`, 'maxControlLine');
  return value;
}

/**
 * Throws {@link ControlLineTooLongError} when `PUB|HPUB <subject> [reply] [hdrlen] <total>` would be too long.
 * The server counts the arguments after the verb (without CRLF) against `max_control_line`; so does this.
 * `replyBytes` is the UTF-8 length of the reply subject (0 for none); `headerBytes` is undefined for `PUB`.
 */
export function checkPublishLine(limit: number, subject: string, replyBytes: number, headerBytes: number | undefined, totalBytes: number): void {
  // a UTF-16 unit is at most 3 UTF-8 bytes; 48 covers the separators and the two lengths
  if (subject.length * 3 + replyBytes + 48 < limit) return;
  let length = byteLength(subject) + 1 + String(totalBytes).length;
  if (replyBytes > 0) length += 1 + replyBytes;
  if (headerBytes !== undefined) length += 1 + String(headerBytes).length;
  if (length > limit) throw new ControlLineTooLongError(subject, headerBytes === undefined ? 'PUB' : 'HPUB', length, limit);
}

/** The UTF-8 length of a reply subject. */
export const replyLength = (reply: string): number => byteLength(reply);

/** The longest reply subject nats-core uses for a request (its shared inbox under `inboxPrefix`). */
export function requestReplyLength(inboxPrefix: string): number {
  return byteLength(inboxPrefix) + MUX_REPLY_SUFFIX;
}

/** Throws {@link ControlLineTooLongError} when `SUB <subject> [queue] <sid>` could be too long. */
export function checkSubscribeLine(limit: number, subject: string, queue: string | undefined): void {
  if ((subject.length + (queue?.length ?? 0)) * 3 + 2 + SID_DIGITS < limit) return;
  let length = byteLength(subject) + 1 + SID_DIGITS;
  if (queue !== undefined) length += 1 + byteLength(queue);
  if (length > limit) throw new ControlLineTooLongError(subject, 'SUB', length, limit);
}
