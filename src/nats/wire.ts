/**
 * How an isoflux message crosses NATS: the payload is the codec's bytes, the message id travels in the
 * `Nats-Msg-Id` header (the header JetStream de-duplicates on, so one id serves both), user headers are NATS
 * headers. Shared by the nats and jetstream transports so both speak exactly the same format.
 * @module
 */
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { decodeWith, type Codec } from '../core/codec.js';
import { ClosedError, InvalidArgumentError, NoRespondersError, PayloadTooLargeError, TimeoutError, ValidationError } from '../core/errors.js';
import type { Headers } from '../core/message.js';
import type { StandardSchemaV1 } from '../core/schema.js';

/** Header carrying the isoflux message id; JetStream uses the same header for de-duplication. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/** `NATS/1.0\r\n` before the headers and `\r\n` after them. */
const HEADER_FRAMING_BYTES = 12;
const NO_HEADERS: Headers = Object.freeze({});

/** NATS headers carrying `id` and the user's `headers`. Throws `invalid_argument` for a header NATS cannot carry. */
export function toNatsHeaders(id: string, headers: Headers | undefined): MsgHdrs {
  const h = natsHeaders();
  try {
    if (headers !== undefined) for (const key in headers) h.set(key, headers[key] as string);
    h.set(MSG_ID_HEADER, id);
  } catch (cause) {
    throw new InvalidArgumentError(`a header cannot be sent over NATS (${(cause as Error).message}): use ASCII names without ':' or spaces, and values without CR/LF`);
  }
  return h;
}

/** Bytes the headers take on the wire (an estimate that is exact for ASCII, which NATS header names are). */
function headerBytes(id: string, headers: Headers | undefined): number {
  let size = HEADER_FRAMING_BYTES + MSG_ID_HEADER.length + 4 + id.length;
  if (headers !== undefined) for (const key in headers) size += key.length + 4 + (headers[key] as string).length;
  return size;
}

/**
 * Encodes `payload` and checks it against the server's `max_payload` (headers included, as the server
 * counts them), so an oversize message fails with `payload_too_large` and nothing is sent.
 */
export function encodeForNats(nc: NatsConnection, codec: Codec<unknown>, payload: unknown, id: string, headers: Headers | undefined): Uint8Array {
  const data = codec.encode(payload);
  const limit = nc.info?.max_payload;
  if (limit !== undefined && data.length + HEADER_FRAMING_BYTES > limit) {
    const size = data.length + headerBytes(id, headers);
    if (size > limit) throw new PayloadTooLargeError(size, limit, "the NATS server's max_payload");
  }
  return data;
}

/** The user headers and id of a received NATS message (the id header is not repeated in `headers`). */
export function fromNatsHeaders(h: MsgHdrs | undefined): { headers: Headers; id: string | undefined } {
  if (h === undefined) return { headers: NO_HEADERS, id: undefined };
  let id: string | undefined;
  const out: Record<string, string> = {};
  for (const [key, values] of h) {
    if (key === MSG_ID_HEADER) id = values[0];
    else out[key] = values.length === 1 ? (values[0] as string) : values.join(', ');
  }
  return { headers: out, id };
}

/**
 * Decodes and, with a schema, validates a payload. Synchronous unless the schema validates asynchronously,
 * so the common path adds no scheduling. Throws (or rejects with) `decode_failed` / `invalid_payload`.
 */
export function decodePayload<T>(codec: Codec<unknown>, schema: StandardSchemaV1 | undefined, data: Uint8Array, subject: string): T | Promise<T> {
  const value = decodeWith(codec, data, subject);
  if (schema === undefined) return value as T;
  const result = schema['~standard'].validate(value);
  return result instanceof Promise ? result.then((r) => checked<T>(r, subject)) : checked<T>(result, subject);
}

function checked<T>(result: Awaited<ReturnType<StandardSchemaV1['~standard']['validate']>>, subject: string): T {
  if (result.issues !== undefined) throw new ValidationError(subject, result.issues);
  return result.value as T;
}

/** Error names of nats-core (its classes are compared by name so a second copy of the library still matches). */
function natsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** True when nats-core's error means no subscriber / stream answered. */
export function isNoResponders(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e.name === 'NoRespondersError') return true;
  return false;
}

/**
 * Turns a nats-core error into the isoflux error a caller matches on: closed connection → `closed`,
 * timeout → `timeout`, no responders → `no_responders`; anything else is returned as is.
 */
export function fromNatsError(error: unknown, subject: string, what: string, timeoutMs: number): unknown {
  if (isNoResponders(error)) return new NoRespondersError(subject);
  switch (natsErrorName(error)) {
    case 'ClosedConnectionError':
    case 'DrainingConnectionError':
      return Object.assign(new ClosedError('The NATS connection'), { cause: error });
    case 'TimeoutError':
      return new TimeoutError(what, timeoutMs);
    default:
      if (error instanceof Error && error.message.includes('max_payload')) {
        return new PayloadTooLargeError(-1, -1, "the NATS server's max_payload");
      }
      return error;
  }
}

/** Throws `closed` when the caller's connection is closed or draining (nats-core would throw its own error). */
export function assertOpen(nc: NatsConnection): void {
  if (nc.isClosed() || nc.isDraining()) throw new ClosedError('The NATS connection');
}
