/**
 * Reading a request body without trusting its `Content-Length`.
 * @module
 */

/** The body was larger than allowed; `size` is what had arrived (or what Content-Length announced) when reading stopped. */
export class BodyTooLarge {
  constructor(readonly size: number) {}
}

/**
 * The body's bytes, or {@link BodyTooLarge} as soon as more than `limit` bytes are announced or have
 * arrived: an oversize body is never buffered whole, whatever its Content-Length says (or omits, with
 * chunked encoding). Costs one copy of the body.
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array | BodyTooLarge> {
  const announced = Number(request.headers.get('content-length') ?? Number.NaN);
  if (announced > limit) {
    await request.body?.cancel().catch(() => undefined);
    return new BodyTooLarge(announced);
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return new BodyTooLarge(size);
    }
    chunks.push(value);
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
