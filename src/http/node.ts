/**
 * Serving a `(Request) => Promise<Response>` handler from Node's `http.createServer`, without importing
 * any Node module (the types below are the parts of `IncomingMessage` / `ServerResponse` it uses), so this
 * entry stays importable in every runtime.
 * @module
 */
import type { HttpErrorBodyCode } from './errors.js';

/** The part of Node's `IncomingMessage` the adapter reads. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array> {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: Record<string, string | string[] | undefined>;
  destroy(error?: Error): unknown;
}

/** The part of Node's `ServerResponse` the adapter writes. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string | string[]): unknown;
  write(chunk: Uint8Array): unknown;
  end(chunk?: Uint8Array): unknown;
  once(event: 'close' | 'finish', listener: () => void): unknown;
  readonly writableFinished: boolean;
  /** Node's `ServerResponse.headersSent`. */
  readonly headersSent?: boolean;
}

/** Methods a fetch `Request` cannot carry: answered 405 here instead of failing to build the Request. */
const UNREPRESENTABLE_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * Turns `handler` into a listener for `http.createServer(listener)`. The request body is streamed into the
 * `Request`, so the handler's body limit and deadline stop reading early, and the connection is closed after
 * such an answer instead of draining the rest of the upload; the `Request`'s signal aborts when the client
 * goes away. `CONNECT`, `TRACE` and `TRACK` (which a fetch `Request` cannot carry) get 405 with `Allow: POST`,
 * a request that cannot be turned into a `Request` at all gets 400 `bad_request`, both without calling
 * `handler`. `origin` is used to build absolute URLs (default `http://localhost`; only the path matters).
 */
export function toNodeListener(handler: (request: Request) => Promise<Response>, origin = 'http://localhost'): (req: NodeRequestLike, res: NodeResponseLike) => void {
  return (req, res) => {
    void serve(handler, origin, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
      req.destroy(error instanceof Error ? error : undefined);
    });
  };
}

/** Answers without the handler, and hangs up after the answer rather than reading an unwanted body. */
function refuse(req: NodeRequestLike, res: NodeResponseLike, status: number, code: HttpErrorBodyCode, message: string, extra: Record<string, string> = {}): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('connection', 'close');
  for (const [name, value] of Object.entries(extra)) res.setHeader(name, value);
  res.once('finish', () => void req.destroy());
  res.end(new TextEncoder().encode(JSON.stringify({ code, message })));
}

async function serve(handler: (request: Request) => Promise<Response>, origin: string, req: NodeRequestLike, res: NodeResponseLike): Promise<void> {
  const method = req.method ?? 'GET';
  if (UNREPRESENTABLE_METHODS.has(method.toUpperCase())) return refuse(req, res, 405, 'method_not_allowed', `${method} is not allowed: publish with POST`, { allow: 'POST' });
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const iterator = req[Symbol.asyncIterator]();
  /** The handler stopped reading early (body over its limit or deadline): the rest is not worth receiving. */
  let abandoned = false;
  let request: Request;
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    }
    const body =
      method === 'GET' || method === 'HEAD'
        ? null
        : new ReadableStream<Uint8Array>({
            async pull(stream) {
              const { done, value } = await iterator.next();
              if (done) stream.close();
              else stream.enqueue(value);
            },
            cancel() {
              abandoned = true;
            },
          });
    const init: RequestInit & { duplex?: 'half' } = { method, headers, body, signal: controller.signal, duplex: 'half' };
    request = new Request(new URL(req.url ?? '/', origin), init);
  } catch (error) {
    return refuse(req, res, 400, 'bad_request', `the request cannot be served: ${error instanceof Error ? error.message : String(error)}`);
  }
  const response = await handler(request);
  res.statusCode = response.status;
  response.headers.forEach((value, name) => void res.setHeader(name, value));
  if (abandoned) {
    // Node would otherwise read and discard the whole remaining body to keep the connection alive
    res.setHeader('connection', 'close');
    res.once('finish', () => void req.destroy());
  }
  if (response.body === null) return void res.end();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}
