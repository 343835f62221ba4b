/**
 * Errors of the http transport: what the handler refuses before any subscription sees a request, as typed
 * errors at the client. Each refusal also has a stable wire code in the JSON error body.
 * @module
 */
import { InvalidArgumentError, TimeoutError, UnsupportedError } from '../core/errors.js';

/**
 * The `code` of a handler's JSON error body. Most are isoflux error codes; the rest name HTTP refusals
 * that have no isoflux error of their own (the client turns them into `remote_error` with that `remoteCode`).
 */
export type HttpErrorBodyCode =
  | 'invalid_subject'
  | 'invalid_header'
  | 'decode_failed'
  | 'invalid_payload'
  | 'payload_too_large'
  | 'timeout'
  | 'aborted'
  | 'no_responders'
  | 'closed'
  | 'method_not_allowed'
  | 'forbidden_origin'
  | 'unsupported_media_type'
  | 'bad_request'
  | 'internal_error';

/**
 * The request's `Content-Type` is not one the handler accepts (415, wire code `unsupported_media_type`).
 * Form, `text/plain` and untyped bodies are refused by default: a cross-site page can send those without a
 * CORS preflight, so accepting them would let any website trigger a handler with the visitor's network
 * position and cookies.
 */
export class UnsupportedMediaTypeError extends UnsupportedError {
  constructor(
    readonly contentType: string | null,
    readonly accepted: readonly string[],
  ) {
    super(
      `Content-Type ${contentType === null ? '(none)' : JSON.stringify(contentType)} is not accepted by this HTTP handler: send ${accepted.join(' or ')}. ` +
        'Untyped, form and text/plain bodies are refused so that a cross-site page cannot trigger a handler without a CORS preflight.',
    );
  }
}

/** The request body did not arrive completely within the handler's `bodyTimeoutMs` (408, wire code `timeout`). */
export class BodyTimeoutError extends TimeoutError {
  constructor(timeoutMs: number) {
    super('Reading the request body (bodyTimeoutMs)', timeoutMs);
  }
}

/**
 * A request's message headers cannot be taken as they are (400, wire code `invalid_header`): the
 * `isoflux-headers` list names an `isoflux-*` header, a name that is not an HTTP token, or two names equal
 * but for case; or a named header's value is not printable ASCII.
 */
export class InvalidHeaderError extends InvalidArgumentError {
  constructor(
    readonly header: string,
    reason: string,
  ) {
    super(`Header ${JSON.stringify(header)} cannot be a message header: ${reason}.`);
  }
}
