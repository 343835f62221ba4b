/**
 * The text a NOTIFY carries: one line of JSON metadata (subject, id, headers), a newline, then the codec's
 * bytes — as UTF-8 text when they are valid text PostgreSQL accepts (JSON, text codecs: no overhead), as
 * base64 otherwise (bytes codec, text containing NUL).
 * @module
 */
import { PayloadTooLargeError } from '../core/errors.js';
import type { Headers } from '../core/message.js';
import { isValidSubject } from '../core/subject.js';
import { EnvelopeError } from './errors.js';

/**
 * PostgreSQL rejects NOTIFY payloads of 8000 bytes or more (`NOTIFY_PAYLOAD_MAX_LENGTH`, measured in the
 * server encoding; UTF-8 assumed).
 */
export const NOTIFY_PAYLOAD_LIMIT = 7999;

/** The decoded envelope of one notification. */
export interface Envelope {
  readonly subject: string;
  readonly id: string;
  readonly headers: Headers | undefined;
  readonly body: Uint8Array;
}

interface Meta {
  s: string;
  i: string;
  h?: Headers;
  /** 1 when the body is base64. */
  b?: 1;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The body as PostgreSQL-safe text, or undefined when it must be base64. */
function asText(body: Uint8Array): string | undefined {
  if (body.includes(0)) return undefined;
  try {
    return strictDecoder.decode(body);
  } catch {
    return undefined;
  }
}

/**
 * Builds the NOTIFY text and checks its size, so an oversize message fails with `payload_too_large` before
 * anything is sent. Costs one UTF-8 encode of the envelope to measure it exactly.
 */
export function encodeEnvelope(subject: string, id: string, headers: Headers | undefined, body: Uint8Array): string {
  const text = asText(body);
  const meta: Meta = { s: subject, i: id };
  if (headers !== undefined && Object.keys(headers).length > 0) meta.h = headers;
  if (text === undefined) meta.b = 1;
  const envelope = `${JSON.stringify(meta)}\n${text ?? toBase64(body)}`;
  const size = envelope.length <= NOTIFY_PAYLOAD_LIMIT / 3 ? envelope.length : encoder.encode(envelope).length;
  if (size > NOTIFY_PAYLOAD_LIMIT) throw new PayloadTooLargeError(size, NOTIFY_PAYLOAD_LIMIT, 'PostgreSQL NOTIFY (subject, id and headers included)');
  return envelope;
}

function isHeaders(value: unknown): value is Headers {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const v of Object.values(value)) if (typeof v !== 'string') return false;
  return true;
}

/**
 * Parses a notification received on `channel`. Throws {@link EnvelopeError} (code `decode_failed`, with a
 * `fault`) when it is not an isoflux envelope: no metadata line, metadata that is not JSON or lacks a string
 * subject and id, headers that are not strings, a body that is not the base64 it claims, or a subject that
 * is not a valid literal subject. Never throws anything else.
 */
export function decodeEnvelope(text: string, channel = '(unknown)'): Envelope {
  const fail = (fault: EnvelopeError['fault'], detail: string, cause?: unknown): never => {
    throw new EnvelopeError(channel, fault, detail, cause === undefined ? undefined : { cause });
  };
  if (typeof text !== 'string') return fail('no_metadata', `the payload is a ${typeof text}, not text`);
  const newline = text.indexOf('\n');
  if (newline === -1) return fail('no_metadata', 'no newline after a metadata line');
  let meta: unknown;
  try {
    meta = JSON.parse(text.slice(0, newline));
  } catch (cause) {
    return fail('metadata_not_json', 'the first line is not JSON', cause);
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return fail('not_an_envelope', 'the metadata is not an object');
  const { s, i, h, b } = meta as Partial<Record<keyof Meta, unknown>>;
  if (typeof s !== 'string' || typeof i !== 'string') return fail('not_an_envelope', 'no string subject (s) and id (i)');
  if (b !== undefined && b !== 1) return fail('not_an_envelope', 'b (base64 body) must be 1 or absent');
  if (h !== undefined && !isHeaders(h)) return fail('bad_headers', 'headers (h) must be an object of strings');
  if (!isValidSubject(s)) return fail('invalid_subject', `${JSON.stringify(s.slice(0, 200))} is not a valid literal subject`);
  const rest = text.slice(newline + 1);
  let body: Uint8Array;
  if (b === 1) {
    try {
      body = fromBase64(rest);
    } catch (cause) {
      return fail('bad_body', 'the body is not base64', cause);
    }
  } else {
    body = encoder.encode(rest);
  }
  return { subject: s, id: i, headers: h, body };
}
