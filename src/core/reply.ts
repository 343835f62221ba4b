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

/** Sends a reply; `headers` carry the error headers when the reply is an error. */
export type SendReply = (replyTo: string, result: unknown, headers: Headers | undefined) => unknown;

/**
 * Turns a responder's handler into a subscription handler: the result goes back to `message.replyTo`; a
 * thrown error goes back as error headers (the requester gets `remote_error`) and is rethrown so the
 * subscription reports it too. A result that cannot be sent (not serializable, too large) answers with
 * that error instead of leaving the requester to time out. A message without `replyTo` just runs.
 */
export function answering<T, R>(handler: (message: Message<T>) => R | Promise<R>, send: SendReply): (message: Message<T>) => Promise<void> {
  const sendError = async (replyTo: string, error: unknown): Promise<void> => {
    try {
      await send(replyTo, undefined, errorReplyHeaders(error));
    } catch {
      // the transport is gone (closed bus or connection): the requester times out or sees `closed`
    }
  };
  return async (message) => {
    const { replyTo } = message;
    let result: R;
    try {
      result = await handler(message);
    } catch (error) {
      if (replyTo !== undefined) await sendError(replyTo, error);
      throw error;
    }
    if (replyTo === undefined) return;
    try {
      await send(replyTo, result, undefined);
    } catch (error) {
      await sendError(replyTo, error);
      throw error;
    }
  };
}
