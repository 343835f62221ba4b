/**
 * Which delivery failures the relay retries and which go to the dead letters at once.
 * @module
 */
import { isIsofluxError, type ErrorCode } from '../core/errors.js';

/** Codes that repeat on every attempt: the input is wrong, or nobody can take it. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid_subject',
  'invalid_argument',
  'payload_too_large',
  'not_serializable',
  'invalid_payload',
  'decode_failed',
  'unsupported',
  'no_responders',
]);

/**
 * JetStream `err_code`s a publish can get that the same message gets again on every attempt: 10054 message
 * over the stream's `max_msg_size`, 10060 expected stream does not match, 10070 wrong last msg id, 10071
 * wrong last sequence, 10109 stream sealed. (The HTTP-like `status` of the API error decides the rest.)
 */
const PERMANENT_JETSTREAM = new Set(['10054', '10060', '10070', '10071', '10109']);

/** 4xx statuses that are about the moment, not the message: 408 timeout, 425 too early, 429 too many requests. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/**
 * The outbox's default `isRetryable`. **Permanent** (false: dead-lettered at once, reason `rejected`):
 * `invalid_subject`, `invalid_argument`, `payload_too_large`, `not_serializable`, `invalid_payload`,
 * `decode_failed`, `unsupported`, `no_responders` (JetStream: no stream captures the subject; HTTP: 404 —
 * the relay gives it `noRespondersGraceMs` first, see {@link RelayOptions}), and `remote_error` whose
 * status is a 4xx other than 408/425/429 (JetStream API errors carry it: 10054 max message size is a 400;
 * HTTP: `remoteCode` `http_4xx`) or whose JetStream code is one of 10054, 10060, 10070, 10071, 10109.
 * **Retryable** (true: backoff, up to `maxAttempts`): everything else — `timeout`, `closed` (the target's
 * connection may come back, or the next page load relays), `connection_failed`, `aborted`, 5xx and
 * JetStream 503s ("jetstream is not enabled", insufficient resources, store failed), errors without a code.
 */
export function isRetryableDeliveryError(error: unknown): boolean {
  if (!isIsofluxError(error)) return true;
  if (PERMANENT.has(error.code)) return false;
  if (error.code !== 'remote_error') return true;
  const remoteCode = String((error as { remoteCode?: unknown }).remoteCode ?? '');
  if (PERMANENT_JETSTREAM.has(remoteCode)) return false;
  const status = statusOf(error, remoteCode);
  return status === undefined || status < 400 || status >= 500 || RETRYABLE_4XX.has(status);
}

/** The HTTP-like status: a JetStream API error's `status` (its `cause`), or `http_NNN` from the http transport. */
function statusOf(error: Error, remoteCode: string): number | undefined {
  const status = (error.cause as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number') return status;
  const http = /^http_(\d{3})$/.exec(remoteCode);
  return http ? Number(http[1]) : undefined;
}
