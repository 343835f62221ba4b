/**
 * The id and headers of a received JetStream message. A message stored without an id gets one derived from
 * where it is stored, so every delivery, redelivery and replay of it carries the same id.
 * @module
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { Headers } from '../core/message.js';
import { fromNatsHeaders } from '../nats/internal.js';

/**
 * The id of a message stored without a `Nats-Msg-Id` (or with an empty one): `<stream>:<sequence>`, e.g.
 * `ORDERS:42` (a stream name may itself contain `:`; the sequence is what follows the last one). It names
 * the copy in the stream it was read from: the same message read through a mirror or a sourced stream has
 * that stream's name and sequence. An id a publisher set in `Nats-Msg-Id` is kept as is.
 */
export function storedMessageId(stream: string, sequence: number): string {
  return `${stream}:${sequence}`;
}

/** The user headers of `jm` and its id: `Nats-Msg-Id` when present and non-empty, else {@link storedMessageId}. */
export function identify(jm: JsMsg): { headers: Headers; id: string } {
  const { headers, id } = fromNatsHeaders(jm.headers);
  return { headers, id: id === undefined || id === '' ? storedMessageId(jm.info.stream, jm.seq) : id };
}
