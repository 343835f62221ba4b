/**
 * How a responder's failure travels back to the requester, the same on every transport: two headers.
 * @module
 */
import { RemoteError, isIsofluxError } from './errors.js';
import type { Headers, Message } from './message.js';

/** Header carrying the responder's error code. */
export const ERROR_CODE_HEADER = 'isoflux-error-code';
/** Header carrying the responder's error message. */
export const ERROR_MESSAGE_HEADER = 'isoflux-error';

/** Headers of an error reply for `error`. */
export function errorReplyHeaders(error: unknown): Headers {
  const code = isIsofluxError(error) ? error.code : ((error as { code?: unknown } | null)?.code ?? 'handler_error');
  const message = error instanceof Error ? error.message : String(error);
  return { [ERROR_CODE_HEADER]: String(code), [ERROR_MESSAGE_HEADER]: message };
}

/** Throws a {@link RemoteError} when `reply` carries an error; returns it otherwise. */
export function unwrapReply<R>(reply: Message<R>, subject: string): Message<R> {
  const code = reply.headers[ERROR_CODE_HEADER];
  if (code !== undefined) throw new RemoteError(subject, code, reply.headers[ERROR_MESSAGE_HEADER] ?? '');
  return reply;
}
