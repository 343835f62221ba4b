/**
 * How an isoflux message crosses HTTP, shared by the fetch client and the Request → Response handler:
 * POST to `<base>/<percent-encoded subject>`, the codec's bytes as body, the id and user headers as real
 * HTTP headers (so `traceparent` and friends mean what they mean to every HTTP tool), and errors as a small
 * JSON body next to a status code.
 * @module
 */
import type { Codec } from '../core/codec.js';
import { InvalidSubjectError, type SchemaIssue } from '../core/errors.js';
import { assertSubject } from '../core/subject.js';

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
  /** Stable: an isoflux error code, or one of `HttpErrorBodyCode` (errors.ts) for refusals. */
  readonly code: string;
  readonly message: string;
  readonly issues?: ReadonlyArray<SchemaIssue>;
  /** 413: the byte limit; 408: the body deadline in ms. */
  readonly limit?: number;
  readonly size?: number;
  /** 400 `invalid_header`: the header at fault. */
  readonly header?: string;
}

/** The `content-type` for a codec's bytes. Never a type a cross-site form or `no-cors` fetch can send. */
export function contentType(codec: Codec<unknown>): string {
  switch (codec.name) {
    case 'json':
      return 'application/json';
    case 'text':
      // not text/plain: that is CORS-safelisted, so a cross-site page could send it without a preflight
      return 'application/x-isoflux-text; charset=utf-8';
    case 'bytes':
      return 'application/octet-stream';
    default:
      return `application/x-isoflux-${codec.name.replace(/[^a-z0-9.+-]/gi, '-')}`;
  }
}

/** The media type of a `content-type` value, lower-cased, without parameters (`application/json`). */
export function mediaType(value: string): string {
  const semicolon = value.indexOf(';');
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
}

/** Characters a subject cannot have over HTTP: `/` (a path separator) and every control character (NUL …). */
const NOT_IN_PATH = /[\u0000-\u001f\u007f-\u009f/]/;

/**
 * Checks a literal subject for the HTTP transport: the core grammar, plus no `/` and no control characters
 * (NUL, C0, DEL, C1), which paths, proxies and logs mangle. Throws {@link InvalidSubjectError}.
 */
export function assertHttpSubject(subject: string): void {
  assertSubject(subject, { wildcards: false });
  const bad = NOT_IN_PATH.exec(subject);
  if (bad !== null) {
    const what = bad[0] === '/' ? '`/`' : `the control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
    throw new InvalidSubjectError(subject, `${what} cannot be part of a subject over HTTP (it is one path segment)`);
  }
}

/** The URL a subject is posted to: the base URL plus the percent-encoded subject as one path segment. */
export function subjectUrl(base: URL, subject: string): string {
  try {
    return base.href + encodeURIComponent(subject);
  } catch {
    // a lone UTF-16 surrogate has no UTF-8 form
    throw new InvalidSubjectError(subject, 'it is not well-formed Unicode (a lone surrogate)');
  }
}

/** A JSON error response. */
export function errorResponse(status: number, body: ErrorBody, extra?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...extra } });
}
