/**
 * Publishing and requesting over `fetch`: every runtime that has it (browsers, Workers, Deno, Node 18+).
 * @module
 */
import { decodeWith, jsonCodec, type Codec } from '../core/codec.js';
import {
  AbortedError,
  DecodeError,
  InvalidArgumentError,
  InvalidSubjectError,
  ConnectionFailedError,
  IsofluxError,
  NoRespondersError,
  PayloadTooLargeError,
  RemoteError,
  TimeoutError,
  ValidationError,
  ForbiddenError,
} from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { PublishOptions, Publisher, RequestOptions, Requester } from '../core/interfaces.js';
import { createMessage, type Message } from '../core/message.js';
import { publishWithTelemetry, type Telemetry } from '../core/telemetry.js';
import type { AnyTopics, PayloadOf, PublishSubject, TopicMap } from '../core/topics.js';
import { assertHttpSubject, contentType, DEFAULT_MAX_BODY_BYTES, REPLY_TYPE_HEADER, subjectUrl, type ErrorBody } from './wire.js';
import { readMessageHeaders, writeMessageHeaders } from './headers.js';
import { BodyTimeoutError, InvalidHeaderError, UnsupportedMediaTypeError } from './errors.js';

/** A `fetch`-compatible function: the global one, a Worker service binding's `fetch`, a test double. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** Payload codec (default JSON); the handler must use the same one. */
  codec?: Codec<unknown>;
  /** Used instead of `globalThis.fetch` (e.g. `env.EVENTS.fetch.bind(env.EVENTS)` for a service binding). */
  fetch?: FetchFunction;
  /** Sent with every request (authorization …). */
  headers?: Record<string, string>;
  /** Bodies larger than this fail with `payload_too_large` before sending (default 1 MiB, the handler's default). */
  maxBodyBytes?: number;
  /** How long a publish waits for the handler's answer (default 10 000 ms); requests use `timeoutMs`. */
  publishTimeoutMs?: number;
  /**
   * Records a producer span per publish and request (`publish <subject>`, ended by the response, so its
   * duration is the whole POST) and sends its W3C trace context as the HTTP `traceparent` / `tracestate`
   * headers; see `isoflux/otel`.
   */
  telemetry?: Telemetry;
}

/** The HTTP endpoint could not be reached (DNS, refused, reset, TLS). The handler may or may not have run. */
export class HttpConnectionError extends ConnectionFailedError {
  constructor(url: string, cause: unknown) {
    super(url, 'Check the URL and that the server runs; retry (with the same id so the receiver can de-duplicate) or use an outbox.', { cause });
  }
}

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/** The typed error for a non-2xx response. */
async function errorFrom(response: Response, subject: string, url: string, codec: Codec<unknown>): Promise<Error> {
  const text = await response.text().catch(() => '');
  let body: Partial<ErrorBody> = {};
  try {
    body = JSON.parse(text) as Partial<ErrorBody>;
  } catch {
    // not an isoflux handler (a proxy's HTML page …): the status decides
  }
  const code = typeof body.code === 'string' ? body.code : undefined;
  const message = typeof body.message === 'string' ? body.message : text.slice(0, 200) || response.statusText;
  switch (response.status) {
    case 400:
      if (code === 'invalid_payload' && Array.isArray(body.issues)) return new ValidationError(subject, body.issues);
      if (code === 'invalid_subject') return new InvalidSubjectError(subject, `refused by ${url}: ${message}`);
      if (code === 'invalid_header') return new InvalidHeaderError(typeof body.header === 'string' ? body.header : '(unknown)', `refused by ${url}: ${message}`);
      return new DecodeError(subject, codec.name, { cause: new Error(message) });
    case 403:
      return new ForbiddenError(subject, `refused by ${url}: ${message}`);
    case 404:
      return new NoRespondersError(subject);
    case 408:
      return new BodyTimeoutError(typeof body.limit === 'number' ? body.limit : Number.NaN);
    case 415:
      return new UnsupportedMediaTypeError(contentType(codec), (response.headers.get('accept') ?? 'another type').split(/,\s*/));
    case 413:
      return new PayloadTooLargeError(typeof body.size === 'number' ? body.size : Number.NaN, typeof body.limit === 'number' ? body.limit : Number.NaN, `the HTTP handler at ${url}`);
    default:
      return new RemoteError(subject, code ?? `http_${response.status}`, message);
  }
}

/**
 * Publishes and requests by POSTing to `<baseUrl><subject>`. `publish` resolves once the handler answered
 * 2xx, that is once every matching subscription on the server finished with the message: stronger than a
 * broker's "accepted". Delivery is at-most-once (nothing is retried): put an outbox in front for at-least-once.
 */
export class HttpClient<M extends TopicMap = AnyTopics> implements Publisher<M>, Requester<M> {
  /** Type-only: the topic map, for inference by helpers (see `Publisher['~topics']`). */
  declare readonly '~topics'?: M;
  readonly #base: URL;
  readonly #codec: Codec<unknown>;
  readonly #fetch: FetchFunction;
  readonly #headers: Record<string, string>;
  readonly #maxBodyBytes: number;
  readonly #publishTimeoutMs: number;
  readonly #telemetry: Telemetry | undefined;

  constructor(baseUrl: string | URL, options: HttpClientOptions = {}) {
    let base: URL;
    try {
      base = new URL(String(baseUrl));
    } catch {
      throw new InvalidArgumentError(`baseUrl must be an absolute URL, got ${JSON.stringify(String(baseUrl))}`);
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    if (base.search || base.hash) throw new InvalidArgumentError('baseUrl must not have a query or fragment: the subject is appended to its path');
    if (options.fetch === undefined && typeof globalThis.fetch !== 'function') throw new InvalidArgumentError('no fetch in this runtime: pass options.fetch');
    this.#base = base;
    this.#codec = options.codec ?? jsonCodec();
    // called through a closure: workerd refuses a detached `fetch` ("Illegal invocation")
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#headers = options.headers ?? {};
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
    this.#telemetry = options.telemetry;
  }

  /**
   * Resolves when the handler answered 204/200. Rejects with `invalid_subject`, `invalid_argument` (a header
   * HTTP cannot carry), `not_serializable` / `payload_too_large` (nothing sent), `no_responders` (404),
   * `decode_failed` / `invalid_payload` (400), `remote_error` (500 or another status), `timeout`, `aborted`,
   * `connection_failed`.
   */
  async publish<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: PublishOptions): Promise<void> {
    const response = await this.#post('publish', subject, payload, options, this.#publishTimeoutMs);
    await response.body?.cancel().catch(() => undefined);
  }

  /**
   * POSTs and returns the responder's reply. Rejects like `publish`, and with `no_responders` when only plain
   * subscriptions (no responder) handled the request: over HTTP that is known at once, no need to time out.
   */
  async request<R = unknown, S extends PublishSubject<M> = PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options: RequestOptions = {}): Promise<Message<R>> {
    const response = await this.#post('request', subject, payload, options, options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new NoRespondersError(subject);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const value = response.headers.get(REPLY_TYPE_HEADER) === 'undefined' ? undefined : decodeWith(this.#codec, bytes, subject);
    const { id, headers } = readMessageHeaders(response.headers);
    return createMessage({ subject, payload: value as R, headers, id });
  }

  #post(kind: 'publish' | 'request', subject: string, payload: unknown, options: PublishOptions | undefined, timeoutMs: number): Promise<Response> {
    const id = options?.id ?? nextId();
    if (!this.#telemetry?.enabled()) return this.#send(kind, subject, payload, id, options?.headers, options?.signal, timeoutMs);
    return publishWithTelemetry(this.#telemetry, { system: 'http', subject, id }, options?.headers, (headers) => this.#send(kind, subject, payload, id, headers, options?.signal, timeoutMs));
  }

  async #send(kind: 'publish' | 'request', subject: string, payload: unknown, id: string, messageHeaders: PublishOptions['headers'], userSignal: AbortSignal | undefined, timeoutMs: number): Promise<Response> {
    assertHttpSubject(subject);
    const body = this.#codec.encode(payload);
    if (body.byteLength > this.#maxBodyBytes) throw new PayloadTooLargeError(body.byteLength, this.#maxBodyBytes, 'this HTTP client (maxBodyBytes)');
    const headers = new Headers(this.#headers);
    headers.set('content-type', contentType(this.#codec));
    writeMessageHeaders(headers, id, messageHeaders);
    const url = subjectUrl(this.#base, subject);
    const what = `${kind} on ${JSON.stringify(subject)}`;
    if (userSignal?.aborted) throw new AbortedError(what, userSignal.reason);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutError(what, timeoutMs)), timeoutMs);
    const onAbort = (): void => controller.abort(new AbortedError(what, userSignal?.reason));
    userSignal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await this.#fetch(url, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer>, signal: controller.signal });
      if (response.ok) return await buffered(response);
      throw await errorFrom(response, subject, url, this.#codec);
    } catch (error) {
      if (controller.signal.aborted) throw controller.signal.reason as Error;
      if (error instanceof IsofluxError) throw error;
      throw new HttpConnectionError(url, error);
    } finally {
      clearTimeout(timer);
      userSignal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Reads the body while the timeout still applies, so a reply that stalls mid-body also times out. */
async function buffered(response: Response): Promise<Response> {
  if (response.status === 204 || response.body === null) return response;
  const bytes = await response.arrayBuffer();
  return new Response(bytes, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** Creates a client that publishes and requests by POSTing to `baseUrl` + subject. */
export function createHttpClient<M extends TopicMap = AnyTopics>(baseUrl: string | URL, options?: HttpClientOptions): HttpClient<M> {
  return new HttpClient<M>(baseUrl, options);
}
