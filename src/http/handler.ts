/**
 * Subscribing and responding over HTTP: a plain `(request: Request) => Promise<Response>` that serves a
 * Cloudflare Worker, `Deno.serve`, Bun, or Node (through {@link toNodeListener}). The handler is a bus built
 * on the kit's facade (overloads, checks, `signal`, close, wiretap); its wire is `HttpWire` (serve.ts).
 * @module
 */
import { jsonCodec } from '../core/codec.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Handler, PublishOptions, Subscription } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import type { SubscriptionHooks } from '../core/subscription.js';
import type { AnyTopics, PatternPayload, SubscribePattern, TopicMap } from '../core/topics.js';
import { TransportBus, type BusStats } from '../transport/bus.js';
import type { Sink } from '../transport/driver.js';
import { checkBusOptions, checkFunction, type BusOptions } from '../transport/options.js';
import type { StandardSchemaV1 } from '../core/schema.js';
import type { Codec } from '../core/codec.js';
import type { SubscribeOptions } from '../core/interfaces.js';
import { checkContentTypes, checkOrigins } from './gate.js';
import { checkPassHeaders } from './headers.js';
import { HttpWire, type ServeSettings } from './serve.js';
import { DEFAULT_MAX_BODY_BYTES } from './wire.js';

/**
 * Options of {@link createHttpHandler}. The shared ones are the kit's: `signal` closes the handler (later
 * requests get 503 `closed`; its listener is removed on close), `onError` is the default for subscriptions
 * (handler failures), `telemetry` records a consumer span per handled message (`process <subject>`), linked to
 * the trace context of the request's `traceparent` header, and counts deliveries, drops and lag.
 */
export interface HttpHandlerOptions extends Omit<BusOptions, 'requestTimeoutMs'> {
  /** The path prefix before the subject (default `/`): `/events/` serves `POST /events/orders.created`. */
  basePath?: string;
  /** Largest request body accepted, counted while streaming (default 1 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /**
   * How long the whole body may take to arrive once the handler starts reading it (default 30 000 ms;
   * `Infinity` turns the deadline off). A stalled or trickling upload then gets 408 `timeout` instead of
   * holding the handler (and a Node socket) for minutes.
   */
  bodyTimeoutMs?: number;
  /**
   * Media types accepted in `Content-Type` (parameters such as `charset` are ignored). Default: the codec's
   * own type only (`application/json` for JSON). Anything else, and a missing `Content-Type`, gets 415
   * `unsupported_media_type`. This is the CSRF defence: a cross-site page can POST `text/plain`,
   * `application/x-www-form-urlencoded`, `multipart/form-data` or an untyped body without a CORS
   * preflight, but not these; listing one of those three gives that defence up (then set `allowedOrigins`).
   */
  contentTypes?: readonly string[];
  /**
   * Browser origins allowed to POST (`['https://app.example']`, exact serialized origins; `'null'` only if
   * listed). A request whose `Origin` header is another gets 403 `forbidden_origin`; requests without
   * `Origin` (servers, curl) pass, since browsers always send it on a cross-origin POST. Default: no check.
   * The handler sends no CORS headers: answer preflights in front of it if browsers of other origins post.
   */
  allowedOrigins?: readonly string[];
  /**
   * Request headers copied into messages besides those the sender names in `isoflux-headers`: credentials
   * (`authorization`, `proxy-authorization`, `x-api-key` …, see `CREDENTIAL_HEADERS`) are dropped unless
   * named here, and a name here is copied even when the sender does not list it (webhook signatures …).
   * Framing, hop-by-hop and fetch-owned headers (`host`, `connection`, `cookie`, `origin` …) and `isoflux-*`
   * can never be message headers: naming one throws `invalid_argument`.
   */
  passHeaders?: readonly string[];
  /** Payload codec (default JSON); the client must use the same one. */
  codec?: Codec<unknown>;
  /** Validates every request payload (Standard Schema); a failure answers 400 `invalid_payload` with the issues. */
  schema?: StandardSchemaV1;
  /**
   * When to answer a matching POST:
   * - `true` (default, webhook semantics): once every matching handler finished: 204, or 500 when one
   *   threw, so a publisher (or an outbox relaying through it) never counts a failed message as delivered.
   *   A subject nothing subscribes to gets 404.
   * - `false` (broker semantics, like NATS or the memory bus): 202 as soon as every matching subscription
   *   took the message into its buffer; handler failures go to `onError` only, and a subject nothing
   *   subscribes to is dropped with 202. Pass `waitUntil` (a Worker's `ctx.waitUntil`) so the runtime keeps
   *   running the handlers after the response.
   * Requests that reach a responder always wait for its reply, and subscriptions without a handler
   * (`for await`, `fetch`) count as done once the message is buffered, in both modes.
   */
  untilHandled?: boolean;
  /** @deprecated Renamed {@link untilHandled}: `'handled'` is `true`, `'accepted'` is `false` (`ack` means settling a message). */
  ack?: 'handled' | 'accepted';
  /** With `untilHandled: false`, receives the promise of the handlers' work (Workers: `ctx.waitUntil`). */
  waitUntil?: (work: Promise<unknown>) => void;
  /**
   * Send a failing handler's error code and message to the caller in the 500 body (default true, as every
   * isoflux transport does). Set false on endpoints the public can reach: the body then says only
   * `handler_error`, and the details stay in `onError`.
   */
  exposeErrors?: boolean;
}

/** Counters of a handler (besides the facade's `published` and `subscriptions`). */
export interface HttpHandlerStats extends BusStats {
  /** Requests answered 204/200 (202 with `untilHandled: false`). */
  readonly handled: number;
  /** Requests refused with 4xx (bad method, subject, body, or no subscriber). */
  readonly rejected: number;
  /** Requests whose handler failed (500). */
  readonly failed: number;
}

/** Default {@link HttpHandlerOptions.bodyTimeoutMs}: 30 s for the whole body. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

/** Checks every option (a wrong one throws `invalid_argument` naming it) and returns the wire's settings. */
function settingsOf(options: HttpHandlerOptions): ServeSettings {
  checkBusOptions(options);
  const { maxBodyBytes = DEFAULT_MAX_BODY_BYTES, bodyTimeoutMs = DEFAULT_BODY_TIMEOUT_MS, basePath = '/' } = options;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) throw new InvalidArgumentError(`maxBodyBytes must be an integer ≥ 0, got ${String(maxBodyBytes)}`, 'maxBodyBytes');
  if (typeof bodyTimeoutMs !== 'number' || !(bodyTimeoutMs > 0)) throw new InvalidArgumentError(`bodyTimeoutMs must be a number > 0 (Infinity: no deadline), got ${String(bodyTimeoutMs)}`, 'bodyTimeoutMs');
  if (typeof basePath !== 'string' || !basePath.startsWith('/') || !basePath.endsWith('/')) throw new InvalidArgumentError(`basePath must start and end with "/", got ${JSON.stringify(basePath)}`, 'basePath');
  const codec = options.codec ?? jsonCodec();
  if (typeof codec !== 'object' || codec === null || typeof codec.encode !== 'function' || typeof codec.decode !== 'function') throw new InvalidArgumentError('codec must be a Codec (encode, decode)', 'codec');
  const schema = options.schema;
  if (schema !== undefined && (typeof schema !== 'object' || schema === null || typeof (schema as { '~standard'?: { validate?: unknown } })['~standard']?.validate !== 'function')) {
    throw new InvalidArgumentError('schema must be a Standard Schema (zod, valibot, arktype …)', 'schema');
  }
  return {
    gate: { basePath, mediaTypes: checkContentTypes(options.contentTypes, codec), origins: checkOrigins(options.allowedOrigins) },
    pass: checkPassHeaders(options.passHeaders),
    maxBodyBytes,
    bodyTimeoutMs,
    codec,
    schema,
    exposeErrors: options.exposeErrors ?? true,
    untilHandled: untilHandledOf(options),
    waitUntil: checkFunction('waitUntil', options.waitUntil),
  };
}

/** `untilHandled`, or the deprecated `ack` it replaces. */
function untilHandledOf({ untilHandled, ack }: HttpHandlerOptions): boolean {
  if (untilHandled !== undefined) {
    if (typeof untilHandled !== 'boolean') throw new InvalidArgumentError(`untilHandled must be a boolean, got ${String(untilHandled)}`, 'untilHandled');
    return untilHandled;
  }
  if (ack === undefined || ack === 'handled') return true;
  if (ack === 'accepted') return false;
  throw new InvalidArgumentError(`ack must be handled or accepted, got ${String(ack)} (ack is deprecated: use untilHandled)`, 'ack');
}

/**
 * Serves subscriptions and responders over HTTP. `fetch(request)` answers:
 * 204 every matching handler finished (200 with the reply when a responder answered; 202 with
 * `untilHandled: false`), 400 undecodable body / schema-invalid payload / invalid subject, 404 no subscription
 * matches the subject, 405 not a POST, 413 body over `maxBodyBytes`, 500 a handler threw, 503 closed. By
 * default a publisher that got 2xx knows the message was handled. A `block` subscription with a full
 * buffer holds the response (backpressure to the caller); with a drop policy, 2xx can mean dropped.
 * `publish` on the handler itself hands a message to its own subscriptions (resolves once they accepted it).
 */
export class HttpHandler<M extends TopicMap = AnyTopics> extends TransportBus<M, PublishOptions, HttpHandlerStats> {
  readonly #wire: HttpWire;

  constructor(options: HttpHandlerOptions = {}) {
    const wire = new HttpWire(settingsOf(options));
    super(wire, options);
    this.#wire = wire;
  }

  /** The `(Request) => Promise<Response>` to serve (bound: pass it as it is). Never rejects. */
  readonly fetch = (request: Request): Promise<Response> => this.#wire.serve(request, this.isClosed);

  /** Subscriptions without a handler count as done once the message is buffered. */
  protected override listen(pattern: string, handler: Handler<never> | undefined, options: SubscribeOptions | undefined, hooks: SubscriptionHooks): Sink {
    const sink = super.listen(pattern, handler, options, hooks);
    if (handler === undefined) this.#wire.pulled.add(sink);
    return sink;
  }

  /**
   * Answers requests: the handler's return value is the 200 body (`undefined` → empty body). When several
   * responders match, the first to finish answers; plain subscriptions matching the subject still run.
   */
  respond<P extends string, R = unknown>(
    pattern: SubscribePattern<M, P>,
    handler: (message: Message<PatternPayload<M, P>>) => R | Promise<R>,
    options?: SubscribeOptions,
  ): Subscription<PatternPayload<M, P>> {
    const wire = this.#wire;
    const subscription = this.subscribe(pattern, async (message) => wire.answer(message as Message<unknown>, await handler(message)), options);
    wire.responders.add(subscription as unknown as Sink);
    return subscription;
  }
}

/** Creates an HTTP handler; serve its `fetch` (`export default { fetch: handler.fetch }`, `Deno.serve(handler.fetch)`). */
export function createHttpHandler<M extends TopicMap = AnyTopics>(options?: HttpHandlerOptions): HttpHandler<M> {
  return new HttpHandler<M>(options);
}
