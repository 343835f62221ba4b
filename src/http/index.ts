/**
 * @module isoflux/http — publish and request by POST over `fetch`; subscribe and respond with a plain
 * `(request: Request) => Promise<Response>` handler for Cloudflare Workers, `Deno.serve`, Bun and Node.
 */
export { HttpClient, HttpConnectionError, createHttpClient, type FetchFunction, type HttpClientOptions } from './client.js';
export { DEFAULT_BODY_TIMEOUT_MS, HttpHandler, createHttpHandler, type HttpHandlerOptions, type HttpHandlerStats } from './handler.js';
export { BodyTimeoutError, InvalidHeaderError, UnsupportedMediaTypeError, type HttpErrorBodyCode } from './errors.js';
export { CREDENTIAL_HEADERS } from './headers.js';
export { toNodeListener, type NodeRequestLike, type NodeResponseLike } from './node.js';
export { DEFAULT_MAX_BODY_BYTES, HEADER_LIST_HEADER, ID_HEADER, REPLY_TYPE_HEADER, type ErrorBody } from './wire.js';
