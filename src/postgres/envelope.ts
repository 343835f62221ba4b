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

/** The metadata line, as JSON. */
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
 * anything is sent. Costs one UTF-8 encode of the envelope to measure it exactly (only when it could be
 * over the limit: at most 3 bytes per UTF-16 unit).
 */
export function encodeEnvelope(subject: string, id: string, headers: Headers | undefined, body: Uint8Array): string {
  const text = asText(body);
  return text === undefined ? build(subject, id, headers, toBase64(body), true) : build(subject, id, headers, text, false);
}

/**
 * `{"s":<subject>,"i":` for the last subject built. The metadata is written by hand, byte for byte what
 * `JSON.stringify({ s, i, h, b })` writes (same key order), so the subject is escaped once per change of
 * subject instead of once per message.
 */
let builtSubject: string | undefined;
let builtPrefix = '';

/**
 * {@link encodeEnvelope} for a body already in text form, which must be well-formed and free of NUL (JSON
 * text is). Same size check.
 */
export function encodeTextEnvelope(subject: string, id: string, headers: Headers | undefined, body: string): string {
  return build(subject, id, headers, body, false);
}

function build(subject: string, id: string, headers: Headers | undefined, body: string, base64: boolean): string {
  if (subject !== builtSubject) {
    builtPrefix = `{"s":${JSON.stringify(subject)},"i":`;
    builtSubject = subject;
  }
  let meta = builtPrefix + JSON.stringify(id);
  if (headers !== undefined && hasKeys(headers)) meta += `,"h":${JSON.stringify(headers)}`;
  if (base64) meta += ',"b":1';
  const envelope = `${meta}}\n${body}`;
  const size = envelope.length <= NOTIFY_PAYLOAD_LIMIT / 3 ? envelope.length : encoder.encode(envelope).length;
  if (size > NOTIFY_PAYLOAD_LIMIT) throw new PayloadTooLargeError(size, NOTIFY_PAYLOAD_LIMIT, 'PostgreSQL NOTIFY (subject, id and headers included)');
  return envelope;
}

function hasKeys(headers: Headers): boolean {
  for (const _ in headers) return true;
  return false;
}

function isHeaders(value: unknown): value is Headers {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const v of Object.values(value)) if (typeof v !== 'string') return false;
  return true;
}

/**
 * A parsed envelope before its body is turned into bytes: `text` when the body travelled as text (then a
 * text codec can read it without a UTF-8 round trip), `bytes` when it was base64 (decoded and checked).
 */
export interface EnvelopeParts {
  readonly subject: string;
  readonly id: string;
  readonly headers: Headers | undefined;
  readonly text: string | undefined;
  readonly bytes: Uint8Array | undefined;
}

/** The body of `parts` as bytes. */
export function bodyOf(parts: EnvelopeParts): Uint8Array {
  return parts.bytes ?? encoder.encode(parts.text as string);
}

/**
 * The last subject found valid, and the metadata prefix `{"s":<subject>,"i":"` an isoflux bus writes for
 * it. A stream of notifications mostly repeats a few subjects, and a string equal to a valid one is valid,
 * so the subject check runs once per change of subject instead of once per notification.
 */
let validSubject = '';
let validPrefix = '';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;
const NEWLINE = 0x0a;

/**
 * The common case without `JSON.parse`: metadata exactly `{"s":<last valid subject>,"i":"<id>"}` with an id
 * free of escapes and control characters, i.e. text that `JSON.parse` reads as `{ s, i }` and nothing
 * else. Anything else (headers, base64, escapes, spacing, another subject) takes the full parse.
 */
function parseCommon(text: string): EnvelopeParts | undefined {
  if (validPrefix === '' || !text.startsWith(validPrefix)) return undefined;
  const start = validPrefix.length;
  let end = start;
  for (; end < text.length; end++) {
    const c = text.charCodeAt(end);
    if (c === QUOTE) break;
    if (c === BACKSLASH || c < 0x20) return undefined;
  }
  if (text.charCodeAt(end + 1) !== CLOSE_BRACE || text.charCodeAt(end + 2) !== NEWLINE) return undefined;
  return { subject: validSubject, id: text.slice(start, end), headers: undefined, text: text.slice(end + 3), bytes: undefined };
}

/**
 * Parses a notification received on `channel`. Throws {@link EnvelopeError} (code `decode_failed`, with a
 * `fault`) when it is not an isoflux envelope: no metadata line, metadata that is not JSON or lacks a string
 * subject and id, headers that are not strings, a body that is not the base64 it claims, or a subject that
 * is not a valid literal subject. Never throws anything else.
 */
export function parseEnvelope(text: string, channel = '(unknown)'): EnvelopeParts {
  const fail = (fault: EnvelopeError['fault'], detail: string, cause?: unknown): never => {
    throw new EnvelopeError(channel, fault, detail, cause === undefined ? undefined : { cause });
  };
  if (typeof text !== 'string') return fail('no_metadata', `the payload is a ${typeof text}, not text`);
  const common = parseCommon(text);
  if (common !== undefined) return common;
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
  if (s !== validSubject) {
    if (!isValidSubject(s)) return fail('invalid_subject', `${JSON.stringify(s.slice(0, 200))} is not a valid literal subject`);
    validSubject = s;
    validPrefix = `{"s":${JSON.stringify(s)},"i":"`;
  }
  const rest = text.slice(newline + 1);
  if (b !== 1) return { subject: s, id: i, headers: h, text: rest, bytes: undefined };
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(rest);
  } catch (cause) {
    return fail('bad_body', 'the body is not base64', cause);
  }
  return { subject: s, id: i, headers: h, text: undefined, bytes };
}

/** {@link parseEnvelope} with the body as bytes. Same errors. */
export function decodeEnvelope(text: string, channel = '(unknown)'): Envelope {
  const parts = parseEnvelope(text, channel);
  return { subject: parts.subject, id: parts.id, headers: parts.headers, body: bodyOf(parts) };
}
