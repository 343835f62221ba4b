/**
 * Publishing and requesting over `fetch`: every runtime that has it (browsers, Workers, Deno, Node 18+). The
 * client is a bus built on the kit's facade (checks, `signal`, timeouts, telemetry, wiretap, close); its wire
 * is one POST per publish or request.
 * @module
 */
import { decodeWith, jsonCodec, type Codec } from '../core/codec.js';
import {
  AbortedError,
  ClosedError,
  DecodeError,
  InvalidArgumentError,
  InvalidSubjectError,
  ConnectionFailedError,
  IsofluxError,
  NoRespondersError,
  PayloadTooLargeError,
  RemoteError,
  TimeoutError,
  UnsupportedError,
  ValidationError,
  ForbiddenError,
} from '../core/errors.js';
import { nextId } from '../core/id.js';
import { renamedWaitMs } from '../core/renamed-option.js';
import type { PublishOptions } from '../core/interfaces.js';
import { createMessage, type Message } from '../core/message.js';
import type { AnyTopics, TopicMap } from '../core/topics.js';
import type { Driver, DriverRequestOptions, Listener, SendOptions } from '../transport/driver.js';
import { checkBusOptions, checkTimeoutMs, type BusOptions } from '../transport/options.js';
import { RequestBus } from '../transport/request-bus.js';
import { assertHttpSubject, contentType, DEFAULT_MAX_BODY_BYTES, REPLY_TYPE_HEADER, subjectUrl, type ErrorBody } from './wire.js';
import { readMessageHeaders, writeMessageHeaders } from './headers.js';
import { BodyTimeoutError, InvalidHeaderError, UnsupportedMediaTypeError } from './errors.js';

/** A `fetch`-compatible function: the global one, a Worker service binding's `fetch`, a test double. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Options of {@link createHttpClient}. The shared ones are the kit's: `signal` closes the client (its
 * listener is removed on close), `telemetry` records a producer span per publish and request (`publish
 * <subject>`, ended by the response, so its duration is the whole POST) and sends its W3C trace context as the
 * HTTP `traceparent` / `tracestate` headers (see `isoflux/otel`), `requestTimeoutMs` bounds every POST.
 */
export interface HttpClientOptions extends Omit<BusOptions, 'onError' | 'schema'> {
  /** Payload codec (default JSON); the handler must use the same one. */
  codec?: Codec<unknown>;
  /** Used instead of `globalThis.fetch` (e.g. `env.EVENTS.fetch.bind(env.EVENTS)` for a service binding). */
  fetch?: FetchFunction;
  /** Sent with every request (authorization …). */
  headers?: Record<string, string>;
  /** Bodies larger than this fail with `payload_too_large` before sending (default 1 MiB, the handler's default). */
  maxBodyBytes?: number;
  /**
   * How long a POST waits for the handler's answer when the call gives no `timeoutMs`: `publish` and
   * `request` alike. Unset: 5000 ms for a request, 10 000 ms for a publish (which waits for the handlers).
   */
  requestTimeoutMs?: number;
  /**
   * @deprecated Renamed {@link requestTimeoutMs} (one name for every request-like wait); it bounds a publish
   * only. Giving both with different values is `invalid_argument`.
   */
  publishTimeoutMs?: number;
}

/** Options of an HTTP client's `publish`. */
export interface HttpPublishOptions extends PublishOptions {
  /** How long this POST waits for the handler's answer (default: the client's `requestTimeoutMs`). */
  timeoutMs?: number;
}

/** The HTTP endpoint could not be reached (DNS, refused, reset, TLS). The handler may or may not have run. */
export class HttpConnectionError extends ConnectionFailedError {
  constructor(url: string, cause: unknown) {
    super(url, 'Check the URL and that the server runs; retry (with the same id so the receiver can de-duplicate) or use an outbox.', { cause });
  }
}

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

/** The default wait of a publish when neither `timeoutMs` nor `requestTimeoutMs` is given. */
const DEFAULT_PUBLISH_TIMEOUT_MS = 10_000;

/** The client's wire: one POST per message; no subscriptions (those live on the server's handler). */
class HttpPost implements Driver<HttpPublishOptions> {
  readonly name = 'http';
  readonly decodes = true;
  readonly #base: URL;
  readonly #codec: Codec<unknown>;
  readonly #fetch: FetchFunction;
  readonly #headers: Record<string, string>;
  readonly #maxBodyBytes: number;
  /** `requestTimeoutMs` as a publish's wait (default 10 000 ms: a publish waits for the handlers). */
  readonly #requestTimeoutMs: number;
  /** Aborted by `close()`: POSTs still in flight reject with `closed`. */
  readonly #closing = new AbortController();

  constructor(base: URL, options: HttpClientOptions) {
    this.#base = base;
    this.#codec = options.codec ?? jsonCodec();
    // called through a closure: workerd refuses a detached `fetch` ("Illegal invocation")
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#headers = options.headers ?? {};
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#requestTimeoutMs = renamedWaitMs('requestTimeoutMs', options.requestTimeoutMs, 'publishTimeoutMs', options.publishTimeoutMs) ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  }

  listen(): Listener {
    throw new UnsupportedError('An HTTP client publishes and requests; subscribe and respond on the server, with createHttpHandler.');
  }

  async send(subject: string, payload: unknown, options: SendOptions<HttpPublishOptions> | undefined): Promise<void> {
    const timeoutMs = checkTimeoutMs('timeoutMs', options?.timeoutMs) ?? this.#requestTimeoutMs;
    const response = await this.#post('publish', subject, payload, options?.id ?? nextId(), options?.headers, options?.signal, timeoutMs);
    await response.body?.cancel().catch(() => undefined);
  }

  /** POSTs and returns the responder's reply; `no_responders` when only plain subscriptions handled it (known at once over HTTP). */
  async request(subject: string, payload: unknown, { timeoutMs, headers, id, signal }: DriverRequestOptions): Promise<Message<unknown>> {
    const response = await this.#post('request', subject, payload, id ?? nextId(), headers, signal, timeoutMs);
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new NoRespondersError(subject);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const value = response.headers.get(REPLY_TYPE_HEADER) === 'undefined' ? undefined : decodeWith(this.#codec, bytes, subject);
    const reply = readMessageHeaders(response.headers);
    return createMessage({ subject, payload: value, headers: reply.headers, id: reply.id });
  }

  close(): void {
    this.#closing.abort(new ClosedError('http bus'));
  }

  async #post(kind: 'publish' | 'request', subject: string, payload: unknown, id: string, messageHeaders: PublishOptions['headers'], userSignal: AbortSignal | undefined, timeoutMs: number): Promise<Response> {
    assertHttpSubject(subject);
    const body = this.#codec.encode(payload);
    if (body.byteLength > this.#maxBodyBytes) throw new PayloadTooLargeError(body.byteLength, this.#maxBodyBytes, 'this HTTP client (maxBodyBytes)');
    const headers = new Headers(this.#headers);
    headers.set('content-type', contentType(this.#codec));
    writeMessageHeaders(headers, id, messageHeaders);
    const url = subjectUrl(this.#base, subject);
    const what = `${kind} on ${JSON.stringify(subject)}`;
    if (userSignal?.aborted) throw new AbortedError(what, userSignal.reason);
    const closing = this.#closing.signal;
    if (closing.aborted) throw closing.reason as Error;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutError(what, timeoutMs)), timeoutMs);
    const onAbort = (): void => controller.abort(new AbortedError(what, userSignal?.reason));
    const onClose = (): void => controller.abort(closing.reason);
    userSignal?.addEventListener('abort', onAbort, { once: true });
    closing.addEventListener('abort', onClose, { once: true });
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
      closing.removeEventListener('abort', onClose);
    }
  }
}

/** Checks the options (a wrong one throws `invalid_argument` naming it) and the base URL. */
function baseOf(baseUrl: string | URL, options: HttpClientOptions): URL {
  checkBusOptions(options);
  let base: URL;
  try {
    base = new URL(String(baseUrl));
  } catch {
    throw new InvalidArgumentError(`baseUrl must be an absolute URL, got ${JSON.stringify(String(baseUrl))}`, 'baseUrl');
  }
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  if (base.search || base.hash) throw new InvalidArgumentError('baseUrl must not have a query or fragment: the subject is appended to its path', 'baseUrl');
  if (options.fetch === undefined && typeof globalThis.fetch !== 'function') throw new InvalidArgumentError('no fetch in this runtime: pass options.fetch', 'fetch');
  return base;
}

/**
 * Publishes and requests by POSTing to `<baseUrl><subject>`. `publish` resolves once the handler answered
 * 2xx, that is once every matching subscription on the server finished with the message: stronger than a
 * broker's "accepted". Delivery is at-most-once (nothing is retried): put an outbox in front for at-least-once.
 * Rejects with `invalid_subject`, `invalid_argument`, `not_serializable` / `payload_too_large` (nothing
 * sent), `no_responders` (404; for `request` also when only plain subscriptions handled it),
 * `decode_failed` / `invalid_payload` (400), `remote_error` (500 or another status), `timeout`, `aborted`,
 * `closed`, `connection_failed`. `subscribe` / `respond` throw `unsupported`: subscribe on the server.
 */
export class HttpClient<M extends TopicMap = AnyTopics> extends RequestBus<M, HttpPublishOptions> {
  constructor(baseUrl: string | URL, options: HttpClientOptions = {}) {
    super(new HttpPost(baseOf(baseUrl, options), options), options);
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
