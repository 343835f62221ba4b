/**
 * Reading a request body without trusting its `Content-Length` or its sender's pace.
 * @module
 */
import { AbortedError, PayloadTooLargeError } from '../core/errors.js';
import { BodyTimeoutError } from './errors.js';

/** Why a body was not read: too large (413), too slow (408), or its stream failed (client gone: 400). */
export type BodyRefusal = PayloadTooLargeError | BodyTimeoutError | AbortedError;

const WHERE = "this endpoint (the HTTP handler's maxBodyBytes)";

/**
 * The body's bytes, or a {@link BodyRefusal}: `payload_too_large` as soon as more than `limit` bytes are
 * announced or have arrived (an oversize body is never buffered whole, whatever its Content-Length says or
 * omits), `timeout` when the whole body has not arrived `timeoutMs` after reading began (a stalled or
 * trickling upload cannot hold a handler), `aborted` when the stream fails. Never rejects. Costs one copy
 * of the body.
 */
export async function readBody(request: Request, limit: number, timeoutMs: number): Promise<Uint8Array | BodyRefusal> {
  const announced = Number(request.headers.get('content-length') ?? Number.NaN);
  if (announced > limit) {
    request.body?.cancel().catch(() => undefined);
    return new PayloadTooLargeError(announced, limit, WHERE);
  }
  if (request.body === null) return new Uint8Array(0);
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = request.body.getReader();
  } catch (cause) {
    return new AbortedError('Reading the request body (already read or locked)', cause);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve('expired'), timeoutMs);
  });
  const stop = (refusal: BodyRefusal): BodyRefusal => {
    // not awaited: a hostile stream's cancel may never settle; the cancel itself starts at once
    reader.cancel(refusal).catch(() => undefined);
    return refusal;
  };
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array> | 'expired';
      try {
        next = await Promise.race([reader.read(), expired]);
      } catch (cause) {
        return stop(new AbortedError('Reading the request body', cause));
      }
      if (next === 'expired') return stop(new BodyTimeoutError(timeoutMs));
      if (next.done) break;
      const chunk: unknown = next.value;
      if (!(chunk instanceof Uint8Array)) return stop(new AbortedError('Reading the request body (a chunk was not bytes)'));
      size += chunk.byteLength;
      if (size > limit) return stop(new PayloadTooLargeError(size, limit, WHERE));
      chunks.push(chunk);
    }
  } finally {
    clearTimeout(timer);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
