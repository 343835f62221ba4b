/**
 * What the handler checks before it routes a request or reads its body: the method, the `Origin`, the
 * path (one percent-encoded subject under `basePath`) and the `Content-Type`. Each refusal is a status and a
 * JSON error body with a stable code; nothing here throws.
 * @module
 */
import type { Codec } from '../core/codec.js';
import { InvalidArgumentError, PayloadTooLargeError, isIsofluxError } from '../core/errors.js';
import type { BodyRefusal } from './body.js';
import { BodyTimeoutError, type HttpErrorBodyCode, UnsupportedMediaTypeError } from './errors.js';
import { assertHttpSubject, contentType, errorResponse, mediaType, type ErrorBody } from './wire.js';

/** A request the handler answers without running any subscription. */
export interface Refusal {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers?: Record<string, string>;
}

/** A refusal with the given status, wire code and message. */
export function refusal(status: number, code: HttpErrorBodyCode, message: string, extra?: Omit<ErrorBody, 'code' | 'message'>, headers?: Record<string, string>): Refusal {
  return { status, body: { code, message, ...extra }, ...(headers ? { headers } : {}) };
}

/** The response for a refusal. */
export function refusalResponse(r: Refusal): Response {
  return errorResponse(r.status, r.body, r.headers);
}

/** The checked gate options of one handler. */
export interface Gate {
  readonly basePath: string;
  /** Accepted media types, lower case, without parameters. */
  readonly mediaTypes: readonly string[];
  /** Serialized origins allowed to POST from a browser; undefined: any. */
  readonly origins: ReadonlySet<string> | undefined;
}

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

/** Checks `contentTypes` (default: the codec's own type). Throws `invalid_argument`. */
export function checkContentTypes(value: unknown, codec: Codec<unknown>): readonly string[] {
  if (value === undefined) return [mediaType(contentType(codec))];
  if (!Array.isArray(value) || value.length === 0) throw new InvalidArgumentError('contentTypes must be a non-empty array of media types such as "application/json"');
  return (value as unknown[]).map((type) => {
    const essence = typeof type === 'string' ? mediaType(type) : '';
    if (!MEDIA_TYPE.test(essence)) throw new InvalidArgumentError(`contentTypes: ${JSON.stringify(type)} is not a media type such as "application/json"`);
    return essence;
  });
}

/** Checks `allowedOrigins`: serialized origins (`https://app.example`, no path or trailing slash) or `null`. */
export function checkOrigins(value: unknown): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new InvalidArgumentError('allowedOrigins must be an array of origins such as "https://app.example"');
  const origins = new Set<string>();
  for (const origin of value as unknown[]) {
    let serialized: string | undefined;
    try {
      serialized = origin === 'null' ? 'null' : new URL(String(origin)).origin;
    } catch {
      serialized = undefined;
    }
    if (typeof origin !== 'string' || serialized !== origin) {
      throw new InvalidArgumentError(`allowedOrigins: ${JSON.stringify(origin)} is not a serialized origin (scheme://host[:port], no path, no trailing slash${serialized ? `; did you mean ${JSON.stringify(serialized)}?` : ''})`);
    }
    origins.add(origin);
  }
  return origins;
}

/**
 * The literal subject a request is for, or why it is refused: 405 not a POST, 403 an `Origin` outside
 * `allowedOrigins`, 404 a path outside `basePath`, 400 `invalid_subject` (bad percent-encoding, the core
 * grammar, `/` or a control character after decoding), 415 a missing or other `Content-Type`.
 */
export function checkRequest(request: Request, gate: Gate): string | Refusal {
  if (request.method !== 'POST') return refusal(405, 'method_not_allowed', `${request.method} is not allowed: publish with POST`, undefined, { allow: 'POST' });
  const origin = request.headers.get('origin');
  if (gate.origins !== undefined && origin !== null && !gate.origins.has(origin)) {
    return refusal(403, 'forbidden_origin', `requests from origin ${JSON.stringify(origin)} are not allowed here (allowedOrigins)`);
  }
  const path = new URL(request.url).pathname;
  if (!path.startsWith(gate.basePath)) return refusal(404, 'no_responders', `nothing is served at ${path}`);
  let subject: string;
  try {
    subject = decodeURIComponent(path.slice(gate.basePath.length));
    assertHttpSubject(subject);
  } catch (error) {
    return refusal(400, 'invalid_subject', isIsofluxError(error) ? error.message : 'the subject is not valid percent-encoded UTF-8');
  }
  const given = request.headers.get('content-type');
  if (given === null || !gate.mediaTypes.includes(mediaType(given))) {
    return refusal(415, 'unsupported_media_type', new UnsupportedMediaTypeError(given, gate.mediaTypes).message, undefined, { accept: gate.mediaTypes.join(', ') });
  }
  return subject;
}

/** The answer to a body that was not read: 413 too large, 408 too slow, 400 `aborted` (its stream failed). */
export function bodyRefusal(error: BodyRefusal): Refusal {
  if (error instanceof PayloadTooLargeError) {
    return refusal(413, 'payload_too_large', `the body exceeds this endpoint's ${error.limit}-byte limit`, { limit: error.limit, size: error.size });
  }
  if (error instanceof BodyTimeoutError) return refusal(408, 'timeout', error.message, { limit: error.timeoutMs });
  return refusal(400, 'aborted', error.message);
}
