/**
 * Subscribing and responding over HTTP: a plain `(request: Request) => Promise<Response>` that serves a
 * Cloudflare Worker, `Deno.serve`, Bun, or Node (through {@link toNodeListener}).
 * @module
 */
import { subscribeArguments } from '../core/subscribe-args.js';
import { decodeWith, jsonCodec, type Codec } from '../core/codec.js';
import { ClosedError, HandlerError, InvalidArgumentError, ValidationError, isIsofluxError } from '../core/errors.js';
import { InvalidHeaderError } from './errors.js';
import type { Consumer, Handler, Responder, SubscribeOptions, Subscriber, Subscription } from '../core/interfaces.js';
import { createMessage, type Message } from '../core/message.js';
import { errorReplyHeaders, ERROR_CODE_HEADER, ERROR_MESSAGE_HEADER } from '../core/reply.js';
import { validate, type StandardSchemaV1 } from '../core/schema.js';
import { DeliveryTracker } from '../core/settle.js';
import { BufferedSubscription } from '../core/subscription.js';
import type { Telemetry } from '../core/telemetry.js';
import type { AnyTopics, PatternPayload, SubscribePattern, TopicMap } from '../core/topics.js';
import { readBody } from './body.js';
import { RouteTable, routeTarget, type Route } from '../core/route-table.js';
import { contentType, DEFAULT_MAX_BODY_BYTES, errorResponse, ID_HEADER, REPLY_TYPE_HEADER } from './wire.js';
import { checkPassHeaders, readMessageHeaders, type PassHeaders } from './headers.js';
import { bodyRefusal, checkContentTypes, checkOrigins, checkRequest, refusal, refusalResponse, type Gate, type Refusal } from './gate.js';
import { nextId } from '../core/id.js';

/** Options of {@link createHttpHandler}. */
export interface HttpHandlerOptions {
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
  /** Default `onError` for subscriptions (handler failures). */
  onError?: SubscribeOptions['onError'];
  /**
   * When to answer a matching POST:
   * - `handled` (default, webhook semantics): once every matching handler finished: 204, or 500 when one
   *   threw, so a publisher (or an outbox relaying through it) never counts a failed message as delivered.
   *   A subject nothing subscribes to gets 404.
   * - `accepted` (broker semantics, like NATS or the memory bus): 202 as soon as every matching subscription
   *   took the message into its buffer; handler failures go to `onError` only, and a subject nothing
   *   subscribes to is dropped with 202. Pass `waitUntil` (a Worker's `ctx.waitUntil`) so the runtime keeps
   *   running the handlers after the response.
   * Requests that reach a responder always wait for its reply, and subscriptions without a handler
   * (`for await`, `fetch`) count as done once the message is buffered, in both modes.
   */
  ack?: 'handled' | 'accepted';
  /** In `accepted` mode, receives the promise of the handlers' work (Workers: `ctx.waitUntil`). */
  waitUntil?: (work: Promise<unknown>) => void;
  /**
   * Send a failing handler's error code and message to the caller in the 500 body (default true, as every
   * isoflux transport does). Set false on endpoints the public can reach: the body then says only
   * `handler_error`, and the details stay in `onError`.
   */
  exposeErrors?: boolean;
  /**
   * Records a consumer span per handled message (`process <subject>`), linked to the trace context of the
   * request's `traceparent` header (sent by an isoflux client with telemetry, or any instrumented HTTP
   * client), and counts deliveries, drops and lag; see `isoflux/otel`.
   */
  telemetry?: Telemetry;
}

/** Counters of a handler. */
export interface HttpHandlerStats {
  /** Requests answered 204/200. */
  readonly handled: number;
  /** Requests refused with 4xx (bad method, subject, body, or no subscriber). */
  readonly rejected: number;
  /** Requests whose handler failed (500). */
  readonly failed: number;
}


/** Where a responder puts its answer to one request. */
interface ReplySlot {
  answered: boolean;
  value: unknown;
}

/** Default {@link HttpHandlerOptions.bodyTimeoutMs}: 30 s for the whole body. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

function checkBasePath(path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/') || !path.endsWith('/')) throw new InvalidArgumentError(`basePath must start and end with "/", got ${JSON.stringify(path)}`);
  return path;
}

/**
 * Serves subscriptions and responders over HTTP. `fetch(request)` answers:
 * 204 every matching handler finished (200 with the reply when a responder answered; 202 in `accepted`
 * mode), 400 undecodable body / schema-invalid payload / invalid subject, 404 no subscription matches the
 * subject, 405 not a POST, 413 body over `maxBodyBytes`, 500 a handler threw, 503 closed. In the default
 * `handled` mode a publisher that got 2xx knows the message was handled. A `block` subscription with a full
 * buffer holds the response (backpressure to the caller); with a drop policy, 2xx can mean dropped.
 */
export class HttpHandler<M extends TopicMap = AnyTopics> implements Subscriber<M>, Responder<M>, AsyncDisposable {
  /** Type-only: the topic map, for inference by helpers (see `Publisher['~topics']`). */
  declare readonly '~topics'?: M;
  readonly #routes = new RouteTable();
  readonly #subscriptions = new Set<BufferedSubscription<unknown>>();
  readonly #responders = new WeakSet<BufferedSubscription<unknown>>();
  /** Subscriptions without a handler: done for this handler once the message is buffered. */
  readonly #pulled = new WeakSet<BufferedSubscription<unknown>>();
  readonly #slots = new WeakMap<Message<unknown>, ReplySlot>();
  readonly #gate: Gate;
  readonly #pass: PassHeaders;
  readonly #bodyTimeoutMs: number;
  readonly #maxBodyBytes: number;
  readonly #codec: Codec<unknown>;
  readonly #schema: StandardSchemaV1 | undefined;
  readonly #onError: SubscribeOptions['onError'];
  readonly #exposeErrors: boolean;
  readonly #ack: 'handled' | 'accepted';
  readonly #waitUntil: ((work: Promise<unknown>) => void) | undefined;
  readonly #telemetry: Telemetry | undefined;
  #handled = 0;
  #rejected = 0;
  #failed = 0;
  #closed = false;

  constructor(options: HttpHandlerOptions = {}) {
    const { maxBodyBytes = DEFAULT_MAX_BODY_BYTES, bodyTimeoutMs = DEFAULT_BODY_TIMEOUT_MS } = options;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) throw new InvalidArgumentError(`maxBodyBytes must be an integer ≥ 0, got ${String(maxBodyBytes)}`);
    if (typeof bodyTimeoutMs !== 'number' || !(bodyTimeoutMs > 0)) throw new InvalidArgumentError(`bodyTimeoutMs must be a number > 0 (Infinity: no deadline), got ${String(bodyTimeoutMs)}`);
    this.#maxBodyBytes = maxBodyBytes;
    this.#bodyTimeoutMs = bodyTimeoutMs;
    this.#codec = options.codec ?? jsonCodec();
    this.#gate = { basePath: checkBasePath(options.basePath ?? '/'), mediaTypes: checkContentTypes(options.contentTypes, this.#codec), origins: checkOrigins(options.allowedOrigins) };
    this.#pass = checkPassHeaders(options.passHeaders);
    this.#schema = options.schema;
    this.#onError = options.onError;
    this.#exposeErrors = options.exposeErrors ?? true;
    this.#ack = options.ack ?? 'handled';
    if (this.#ack !== 'handled' && this.#ack !== 'accepted') throw new InvalidArgumentError(`ack must be handled or accepted, got ${String(this.#ack)}`);
    this.#waitUntil = options.waitUntil;
    this.#telemetry = options.telemetry;
  }

  get stats(): HttpHandlerStats {
    return { handled: this.#handled, rejected: this.#rejected, failed: this.#failed };
  }

  /** The `(Request) => Promise<Response>` to serve (bound: pass it as it is). Never rejects. */
  readonly fetch = (request: Request): Promise<Response> =>
    this.#serve(request).catch((error: unknown) => {
      // a bug, not bad input: every refusal above is a typed answer
      this.#failed++;
      return errorResponse(500, { code: 'internal_error', message: `the HTTP handler failed: ${String(error)}` });
    });

  async #serve(request: Request): Promise<Response> {
    const refused = (r: Refusal): Response => {
      this.#rejected++;
      // an unread body is not worth receiving (toNodeListener then hangs up instead of draining it)
      if (request.body !== null && !request.bodyUsed) request.body.cancel().catch(() => undefined);
      return refusalResponse(r);
    };
    const subject = checkRequest(request, this.#gate);
    if (typeof subject !== 'string') return refused(subject);
    let id: string | undefined;
    let headers: Message<unknown>['headers'];
    try {
      ({ id, headers } = readMessageHeaders(request.headers, this.#pass));
    } catch (error) {
      if (!(error instanceof InvalidHeaderError)) throw error;
      return refused(refusal(400, 'invalid_header', error.message, { header: error.header }));
    }
    if (this.#closed) return errorResponse(503, { code: 'closed', message: new ClosedError('The HTTP handler').message });
    const routes = this.#routes.match(subject);
    if (routes.length === 0) {
      request.body?.cancel().catch(() => undefined);
      if (this.#ack === 'accepted') return this.#handled++, new Response(null, { status: 202 });
      return refused(refusal(404, 'no_responders', `no subscription matches ${JSON.stringify(subject)}`));
    }
    const body = await readBody(request, this.#maxBodyBytes, this.#bodyTimeoutMs);
    if (!(body instanceof Uint8Array)) return refused(bodyRefusal(body));
    let payload: unknown;
    try {
      payload = decodeWith(this.#codec, body, subject);
      if (this.#schema !== undefined) payload = await validate(this.#schema, payload, subject);
    } catch (error) {
      this.#rejected++;
      const issues = error instanceof ValidationError ? error.issues : undefined;
      return errorResponse(400, { code: isIsofluxError(error) ? error.code : 'decode_failed', message: (error as Error).message, ...(issues ? { issues } : {}) });
    }
    return this.#dispatch(routes, createMessage({ subject, payload, headers, id }), request.signal);
  }

  async #dispatch(routes: readonly Route[], message: Message<unknown>, signal: AbortSignal): Promise<Response> {
    const tracker = new DeliveryTracker(message.subject);
    let slot: ReplySlot | undefined;
    const waits: Array<Promise<void>> = [];
    for (const route of routes) {
      const target = routeTarget(route);
      if (target === undefined) continue;
      if (slot === undefined && this.#responders.has(target)) this.#slots.set(message, (slot = { answered: false, value: undefined }));
      const wait = target.deliver(message, this.#pulled.has(target) ? undefined : tracker, signal);
      if (wait !== undefined) waits.push(wait);
    }
    tracker.seal();
    if (this.#ack === 'accepted' && slot === undefined) {
      // failures were reported to each subscription's onError; nothing more to tell the caller
      const work = tracker.promise.catch(() => undefined);
      this.#waitUntil?.(work);
      try {
        await Promise.all(waits);
      } catch {
        this.#failed++;
        return errorResponse(503, { code: 'closed', message: 'the subscription closed before it could take the message' });
      }
      this.#handled++;
      return new Response(null, { status: 202 });
    }
    try {
      await Promise.all([...waits, tracker.promise]);
    } catch (error) {
      this.#failed++;
      const cause = error instanceof HandlerError ? error.errors[0] : error;
      const reply = this.#exposeErrors ? errorReplyHeaders(cause) : { [ERROR_CODE_HEADER]: 'handler_error', [ERROR_MESSAGE_HEADER]: 'the handler failed' };
      return errorResponse(500, { code: reply[ERROR_CODE_HEADER] as string, message: reply[ERROR_MESSAGE_HEADER] as string });
    }
    this.#handled++;
    if (slot === undefined || !slot.answered) return new Response(null, { status: 204 });
    const replyHeaders = { [ID_HEADER]: nextId(), 'content-type': contentType(this.#codec) };
    if (slot.value === undefined) return new Response(null, { status: 200, headers: { ...replyHeaders, [REPLY_TYPE_HEADER]: 'undefined' } });
    try {
      return new Response(this.#codec.encode(slot.value) as Uint8Array<ArrayBuffer>, { status: 200, headers: replyHeaders });
    } catch (error) {
      this.#failed++;
      return errorResponse(500, { code: isIsofluxError(error) ? error.code : 'not_serializable', message: (error as Error).message });
    }
  }

  subscribe<P extends string>(pattern: SubscribePattern<M, P>, handler: Handler<PatternPayload<M, P>>, options?: SubscribeOptions): Subscription<PatternPayload<M, P>>;
  subscribe<P extends string>(pattern: SubscribePattern<M, P>, options?: SubscribeOptions): Subscription<PatternPayload<M, P>> & Consumer<PatternPayload<M, P>>;
  /** Registers at once (`ready` is resolved): the next matching request reaches it. */
  subscribe<P extends string>(
    pattern: SubscribePattern<M, P>,
    handlerOrOptions?: Handler<PatternPayload<M, P>> | SubscribeOptions,
    maybeOptions?: SubscribeOptions,
  ): BufferedSubscription<PatternPayload<M, P>> {
    const handler = typeof handlerOrOptions === 'function' ? handlerOrOptions : undefined;
    const options = typeof handlerOrOptions === 'function' ? maybeOptions : handlerOrOptions;
    return this.#add(pattern, handler as Handler<unknown> | undefined, options) as BufferedSubscription<PatternPayload<M, P>>;
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
    const answer = async (message: Message<unknown>): Promise<void> => {
      const value = await handler(message as Message<PatternPayload<M, P>>);
      const slot = this.#slots.get(message);
      if (slot !== undefined && !slot.answered) (slot.answered = true), (slot.value = value);
    };
    const subscription = this.#add(pattern, answer, options);
    this.#responders.add(subscription);
    return subscription as BufferedSubscription<PatternPayload<M, P>>;
  }

  #add(pattern: string, handler: Handler<unknown> | undefined, given: SubscribeOptions | undefined): BufferedSubscription<unknown> {
    if (this.#closed) throw new ClosedError('The HTTP handler');
    const { options } = subscribeArguments(pattern, given, undefined, this.#onError);
    const queue = options?.queue;
    const subscription: BufferedSubscription<unknown> = new BufferedSubscription(pattern, handler, options, {
      onClose: () => this.#remove(pattern, queue, subscription),
      telemetry: this.#telemetry,
      system: 'http',
    });
    this.#subscriptions.add(subscription);
    if (handler === undefined) this.#pulled.add(subscription);
    this.#routes.add(pattern, queue, subscription);
    return subscription.start();
  }

  #remove(pattern: string, queue: string | undefined, subscription: BufferedSubscription<unknown>): void {
    if (!this.#subscriptions.delete(subscription)) return;
    this.#routes.remove(pattern, queue, subscription);
  }

  /** Ends every subscription; later requests get 503 `closed`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.unsubscribe()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Creates an HTTP handler; serve its `fetch` (`export default { fetch: handler.fetch }`, `Deno.serve(handler.fetch)`). */
export function createHttpHandler<M extends TopicMap = AnyTopics>(options?: HttpHandlerOptions): HttpHandler<M> {
  return new HttpHandler<M>(options);
}
