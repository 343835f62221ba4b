/**
 * Which HTTP headers are message headers. The sender names them in `isoflux-headers` (case kept); the
 * receiver takes only what any isoflux client could send again unchanged, so a message received over HTTP
 * can always be relayed with `publish(…, { headers: m.headers })`. Credentials stay out of messages unless
 * the handler's `passHeaders` names them; framing, hop-by-hop and fetch-owned headers never get in.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { Headers as MessageHeaders } from '../core/message.js';
import { InvalidHeaderError } from './errors.js';
import { HEADER_LIST_HEADER, ID_HEADER } from './wire.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?$/;

/**
 * Never message headers: HTTP framing and hop-by-hop headers, and those a browser's fetch drops silently
 * (so a sender could not be sure they arrive).
 */
const RESERVED = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'content-type',
  'content-encoding',
  'expect',
  'cookie',
  'origin',
  'referer',
]);

/**
 * Credentials: dropped from messages unless the handler's `passHeaders` names them, so a handler that
 * logs or relays messages does not leak them. (`cookie` is never a message header: fetch cannot send it.)
 */
export const CREDENTIAL_HEADERS: readonly string[] = Object.freeze(['authorization', 'proxy-authorization', 'set-cookie', 'x-api-key', 'x-auth-token', 'x-csrf-token', 'x-xsrf-token']);
const CREDENTIALS = new Set(CREDENTIAL_HEADERS);

/**
 * W3C Trace Context headers: message headers even when `isoflux-headers` does not name them, so a POST
 * from any instrumented HTTP client (not only isoflux's) links the handler's consumer span to its trace.
 */
const TRACE_CONTEXT_HEADERS = ['traceparent', 'tracestate'] as const;

const isInternal = (lower: string): boolean => lower.startsWith('isoflux-');

/**
 * Writes the id and user headers into HTTP headers. Throws `invalid_argument` for a header HTTP cannot
 * carry unchanged (a name that is not an HTTP token, one HTTP or isoflux reserves, two names equal but for
 * case, a value with control or non-ASCII characters or edge whitespace), and for such an id.
 */
export function writeMessageHeaders(target: globalThis.Headers, id: string, headers: MessageHeaders | undefined): void {
  if (typeof id !== 'string' || !VALUE.test(id)) throw new InvalidArgumentError(`message id ${JSON.stringify(id)} cannot be sent over HTTP: printable ASCII only, no leading or trailing whitespace`);
  target.set(ID_HEADER, id);
  if (headers === undefined) return;
  const names = Object.keys(headers);
  if (names.length === 0) return;
  const seen = new Set<string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    const value = headers[name];
    if (!TOKEN.test(name) || RESERVED.has(lower) || isInternal(lower) || seen.has(lower)) {
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

/** The headers a receiver copies beyond those `isoflux-headers` names: lower-case name → name in the message. */
export type PassHeaders = ReadonlyMap<string, string>;

/** Nothing beyond the list (and trace context). */
export const NO_PASS_HEADERS: PassHeaders = new Map();

/**
 * Checks a handler's `passHeaders` option. Throws `invalid_argument` for a name that could never be relayed
 * (not a token, `isoflux-*`, a framing / hop-by-hop / fetch-owned header such as `host` or `cookie`) and for
 * two names equal but for case.
 */
export function checkPassHeaders(names: unknown): PassHeaders {
  if (names === undefined) return NO_PASS_HEADERS;
  if (!Array.isArray(names)) throw new InvalidArgumentError(`passHeaders must be an array of header names, got ${typeof names}`);
  const pass = new Map<string, string>();
  for (const name of names as unknown[]) {
    const lower = typeof name === 'string' ? name.toLowerCase() : '';
    if (typeof name !== 'string' || !TOKEN.test(name) || RESERVED.has(lower) || isInternal(lower) || pass.has(lower)) {
      throw new InvalidArgumentError(
        `passHeaders cannot name ${JSON.stringify(name)}: only HTTP tokens, once each, and not ${[...RESERVED].join(', ')} or isoflux-* (those could not be sent on by a client)`,
      );
    }
    pass.set(lower, name);
  }
  return pass;
}

/** Adds a header as an own property (a name such as `__proto__` is a valid HTTP token). */
function put(out: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The id and message headers of a request or response: those named in `isoflux-headers` (credentials only
 * when `pass` names them; framing and hop-by-hop headers never), those `pass` names, and W3C trace context.
 * Throws {@link InvalidHeaderError} when the list names an `isoflux-*` header, a non-token name or two names
 * equal but for case, or when a header to copy (or the id) is not printable ASCII.
 */
export function readMessageHeaders(source: globalThis.Headers, pass: PassHeaders = NO_PASS_HEADERS): { id: string | undefined; headers: MessageHeaders } {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  const copy = (name: string, lower: string, value: string, strict: boolean): void => {
    if (!VALUE.test(value)) {
      if (strict) throw new InvalidHeaderError(name, 'its value is not printable ASCII (or has edge whitespace), so it could not be sent on unchanged');
      return;
    }
    seen.add(lower);
    put(out, name, value);
  };
  const list = source.get(HEADER_LIST_HEADER);
  if (list) {
    for (const raw of list.split(',')) {
      const name = raw.trim();
      if (name === '') continue;
      const lower = name.toLowerCase();
      if (!TOKEN.test(name)) throw new InvalidHeaderError(name, `${HEADER_LIST_HEADER} may only list HTTP token names`);
      if (isInternal(lower)) throw new InvalidHeaderError(name, 'isoflux-* headers are the transport’s own and cannot be set through the header list');
      if (seen.has(lower)) throw new InvalidHeaderError(name, `${HEADER_LIST_HEADER} names it twice (names differing only in case are one HTTP header)`);
      seen.add(lower);
      if (RESERVED.has(lower) || (CREDENTIALS.has(lower) && !pass.has(lower))) continue;
      const value = source.get(lower);
      if (value !== null) copy(name, lower, value, true);
    }
  }
  for (const [lower, name] of pass) {
    if (seen.has(lower)) continue;
    const value = source.get(lower);
    if (value !== null) copy(name, lower, value, true);
  }
  for (const name of TRACE_CONTEXT_HEADERS) {
    if (seen.has(name)) continue;
    const value = source.get(name);
    // another tool's malformed trace header is not worth refusing the message for
    if (value !== null) copy(name, name, value, false);
  }
  const id = source.get(ID_HEADER);
  if (id !== null && !VALUE.test(id)) throw new InvalidHeaderError(ID_HEADER, 'the message id must be printable ASCII');
  return { id: id || undefined, headers: out };
}
