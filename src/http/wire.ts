/**
 * How an isoflux message crosses HTTP, shared by the fetch client and the Request → Response handler:
 * POST to `<base>/<percent-encoded subject>`, the codec's bytes as body, the id and user headers as real
 * HTTP headers (so `traceparent` and friends mean what they mean to every HTTP tool), and errors as a small
 * JSON body next to a status code.
 * @module
 */
import type { Codec } from '../core/codec.js';
import { InvalidArgumentError, type SchemaIssue } from '../core/errors.js';
import type { Headers as MessageHeaders } from '../core/message.js';

/** The message id. */
export const ID_HEADER = 'isoflux-id';
/** The names of the user headers, case preserved, comma-separated (other HTTP headers are not message headers). */
export const HEADER_LIST_HEADER = 'isoflux-headers';
/** On a 200 reply: `undefined` when the responder returned nothing (the body is then empty). */
export const REPLY_TYPE_HEADER = 'isoflux-reply-type';

/** Request bodies the handler accepts by default: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly issues?: ReadonlyArray<SchemaIssue>;
  readonly limit?: number;
  readonly size?: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?$/;
/** Names fetch or HTTP itself owns: a browser's fetch would drop them silently, so they are refused. */
const RESERVED = new Set(['host', 'connection', 'content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'keep-alive', 'te', 'trailer', 'upgrade', 'expect', 'cookie', 'origin', 'referer']);

/** The `content-type` for a codec's bytes. */
export function contentType(codec: Codec<unknown>): string {
  switch (codec.name) {
    case 'json':
      return 'application/json';
    case 'text':
      return 'text/plain; charset=utf-8';
    case 'bytes':
      return 'application/octet-stream';
    default:
      return `application/x-isoflux-${codec.name.replace(/[^a-z0-9.+-]/gi, '-')}`;
  }
}

/**
 * Writes the id and user headers into HTTP headers. Throws `invalid_argument` for a header HTTP cannot
 * carry unchanged (a name that is not an HTTP token, one HTTP or isoflux reserves, two names equal but for
 * case, a value with control or non-ASCII characters or edge whitespace).
 */
export function writeMessageHeaders(target: globalThis.Headers, id: string, headers: MessageHeaders | undefined): void {
  target.set(ID_HEADER, id);
  if (headers === undefined) return;
  const names = Object.keys(headers);
  if (names.length === 0) return;
  const seen = new Set<string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    const value = headers[name];
    if (!TOKEN.test(name) || RESERVED.has(lower) || lower.startsWith('isoflux-') || seen.has(lower)) {
      throw new InvalidArgumentError(`header name ${JSON.stringify(name)} cannot be sent over HTTP: use a token (letters, digits, -), not a reserved name (${[...RESERVED].join(', ')}, isoflux-*), and no two names that differ only in case`);
    }
    if (typeof value !== 'string' || !VALUE.test(value)) {
      throw new InvalidArgumentError(`header ${JSON.stringify(name)} has a value HTTP would not carry unchanged: printable ASCII only, no leading or trailing whitespace (encode other text, e.g. with encodeURIComponent)`);
    }
    seen.add(lower);
    target.set(name, value);
  }
  target.set(HEADER_LIST_HEADER, names.join(','));
}

/**
 * W3C Trace Context headers: message headers even when `isoflux-headers` does not name them, so a POST
 * from any instrumented HTTP client (not only isoflux's) links the handler's consumer span to its trace.
 */
const TRACE_CONTEXT_HEADERS = ['traceparent', 'tracestate'] as const;

/** The id and user headers of a request or response: those named in `isoflux-headers`, plus W3C trace context. */
export function readMessageHeaders(source: globalThis.Headers): { id: string | undefined; headers: MessageHeaders } {
  const out: Record<string, string> = {};
  const list = source.get(HEADER_LIST_HEADER);
  if (list) {
    for (const raw of list.split(',')) {
      const name = raw.trim();
      const value = name === '' ? null : source.get(name);
      if (value !== null) out[name] = value;
    }
  }
  for (const name of TRACE_CONTEXT_HEADERS) {
    if (out[name] !== undefined) continue;
    const value = source.get(name);
    if (value !== null) out[name] = value;
  }
  return { id: source.get(ID_HEADER) ?? undefined, headers: out };
}

/** The URL a subject is posted to: the base URL plus the percent-encoded subject as one path segment. */
export function subjectUrl(base: URL, subject: string): string {
  return base.href + encodeURIComponent(subject);
}

/** A JSON error response. */
export function errorResponse(status: number, body: ErrorBody, extra?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...extra } });
}
