/**
 * The HTTP handler's wire: a `Request` becomes a message for the local subscriptions (routing table), and
 * their outcome becomes the `Response`. Requests are untrusted: the gate, the header rules, the streamed body
 * limit and deadline, the codec and the schema run before anything is routed.
 * @module
 */
import { decodeWith, type Codec } from '../core/codec.js';
import { ClosedError, HandlerError, ValidationError, isIsofluxError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { SubscribeOptions } from '../core/interfaces.js';
import { createMessage, type Message } from '../core/message.js';
import { errorReplyHeaders, ERROR_CODE_HEADER, ERROR_MESSAGE_HEADER } from '../core/reply.js';
import { RouteTable, routeTarget, type Route } from '../core/route-table.js';
import { validate, type StandardSchemaV1 } from '../core/schema.js';
import { DeliveryTracker } from '../core/settle.js';
import type { Driver, Listener, SendOptions, Sink } from '../transport/driver.js';
import { refuseSubscriptionSchema } from '../transport/options.js';
import { readBody } from './body.js';
import { InvalidHeaderError } from './errors.js';
import { bodyRefusal, checkRequest, refusal, refusalResponse, type Gate, type Refusal } from './gate.js';
import { readMessageHeaders, type PassHeaders } from './headers.js';
import { contentType, errorResponse, ID_HEADER, REPLY_TYPE_HEADER } from './wire.js';

/** Where a responder puts its answer to one request. */
interface ReplySlot {
  answered: boolean;
  value: unknown;
}

/** The checked settings of one handler's wire. */
export interface ServeSettings {
  readonly gate: Gate;
  readonly pass: PassHeaders;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly codec: Codec<unknown>;
  readonly schema: StandardSchemaV1 | undefined;
  readonly exposeErrors: boolean;
  readonly untilHandled: boolean;
  readonly waitUntil: ((work: Promise<unknown>) => void) | undefined;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** The routing table behind an HTTP handler, and the request → response code. */
export class HttpWire implements Driver {
  readonly name = 'http';
  readonly decodes = true;
  /** Subscriptions made by `respond`: the first of them to finish gives the 200 body. */
  readonly responders = new WeakSet<Sink>();
  /** Subscriptions without a handler: done for this handler once the message is buffered. */
  readonly pulled = new WeakSet<Sink>();
  readonly #routes = new RouteTable();
  readonly #slots = new WeakMap<Message<unknown>, ReplySlot>();
  readonly #settings: ServeSettings;
  readonly #listener: Listener = { close: (sink) => this.#routes.remove(sink.pattern, sink.queue, sink) };
  #handled = 0;
  #rejected = 0;
  #failed = 0;

  constructor(settings: ServeSettings) {
    this.#settings = settings;
  }

  stats(): Readonly<Record<string, number>> {
    return { handled: this.#handled, rejected: this.#rejected, failed: this.#failed };
  }

  listen(pattern: string, queue: string | undefined, sink: Sink, options?: SubscribeOptions): Listener {
    refuseSubscriptionSchema(options, 'to createHttpHandler');
    this.#routes.add(pattern, queue, sink);
    return this.#listener;
  }

  /** `publish` on the handler: hands the message to its own subscriptions, resolving once they accepted it. */
  send(subject: string, payload: unknown, options: SendOptions | undefined): Promise<void> {
    const message = createMessage({ subject, payload, headers: options?.headers, id: options?.id });
    const waits: Array<Promise<void>> = [];
    for (const route of this.#routes.match(subject)) {
      const wait = routeTarget(route)?.deliver(message, undefined, options?.signal);
      if (wait !== undefined) waits.push(wait);
    }
    return waits.length === 0 ? RESOLVED : Promise.all(waits).then(() => undefined);
  }

  /** What a responder's return value does: the first answer to `message` is the 200 body. */
  answer(message: Message<unknown>, value: unknown): void {
    const slot = this.#slots.get(message);
    if (slot !== undefined && !slot.answered) (slot.answered = true), (slot.value = value);
  }

  /** Answers one HTTP request; never rejects (a bug becomes a 500 `internal_error`). */
  serve(request: Request, closed: boolean): Promise<Response> {
    return this.#serve(request, closed).catch((error: unknown) => {
      // a bug, not bad input: every refusal is a typed answer
      this.#failed++;
      return errorResponse(500, { code: 'internal_error', message: `the HTTP handler failed: ${String(error)}` });
    });
  }

  async #serve(request: Request, closed: boolean): Promise<Response> {
    const settings = this.#settings;
    const refused = (r: Refusal): Response => {
      this.#rejected++;
      // an unread body is not worth receiving (toNodeListener then hangs up instead of draining it)
      if (request.body !== null && !request.bodyUsed) request.body.cancel().catch(() => undefined);
      return refusalResponse(r);
    };
    const subject = checkRequest(request, settings.gate);
    if (typeof subject !== 'string') return refused(subject);
    let id: string | undefined;
    let headers: Message<unknown>['headers'];
    try {
      ({ id, headers } = readMessageHeaders(request.headers, settings.pass));
    } catch (error) {
      if (!(error instanceof InvalidHeaderError)) throw error;
      return refused(refusal(400, 'invalid_header', error.message, { header: error.header }));
    }
    if (closed) return errorResponse(503, { code: 'closed', message: new ClosedError('The HTTP handler').message });
    const routes = this.#routes.match(subject);
    if (routes.length === 0) {
      request.body?.cancel().catch(() => undefined);
      if (!settings.untilHandled) return this.#handled++, new Response(null, { status: 202 });
      return refused(refusal(404, 'no_responders', `no subscription matches ${JSON.stringify(subject)}`));
    }
    const body = await readBody(request, settings.maxBodyBytes, settings.bodyTimeoutMs);
    if (!(body instanceof Uint8Array)) return refused(bodyRefusal(body));
    let payload: unknown;
    try {
      payload = decodeWith(settings.codec, body, subject);
      if (settings.schema !== undefined) payload = await validate(settings.schema, payload, subject);
    } catch (error) {
      this.#rejected++;
      const issues = error instanceof ValidationError ? error.issues : undefined;
      return errorResponse(400, { code: isIsofluxError(error) ? error.code : 'decode_failed', message: (error as Error).message, ...(issues ? { issues } : {}) });
    }
    return this.#dispatch(routes, createMessage({ subject, payload, headers, id }), request.signal);
  }

  async #dispatch(routes: readonly Route[], message: Message<unknown>, signal: AbortSignal): Promise<Response> {
    const settings = this.#settings;
    const tracker = new DeliveryTracker(message.subject);
    let slot: ReplySlot | undefined;
    const waits: Array<Promise<void>> = [];
    for (const route of routes) {
      const target = routeTarget(route);
      if (target === undefined) continue;
      if (slot === undefined && this.responders.has(target)) this.#slots.set(message, (slot = { answered: false, value: undefined }));
      const wait = target.deliver(message, this.pulled.has(target) ? undefined : tracker, signal);
      if (wait !== undefined) waits.push(wait);
    }
    tracker.seal();
    if (!settings.untilHandled && slot === undefined) {
      // failures were reported to each subscription's onError; nothing more to tell the caller
      const work = tracker.promise.catch(() => undefined);
      settings.waitUntil?.(work);
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
      const reply = settings.exposeErrors ? errorReplyHeaders(cause) : { [ERROR_CODE_HEADER]: 'handler_error', [ERROR_MESSAGE_HEADER]: 'the handler failed' };
      return errorResponse(500, { code: reply[ERROR_CODE_HEADER] as string, message: reply[ERROR_MESSAGE_HEADER] as string });
    }
    this.#handled++;
    if (slot === undefined || !slot.answered) return new Response(null, { status: 204 });
    const replyHeaders = { [ID_HEADER]: nextId(), 'content-type': contentType(settings.codec) };
    if (slot.value === undefined) return new Response(null, { status: 200, headers: { ...replyHeaders, [REPLY_TYPE_HEADER]: 'undefined' } });
    try {
      return new Response(settings.codec.encode(slot.value) as Uint8Array<ArrayBuffer>, { status: 200, headers: replyHeaders });
    } catch (error) {
      this.#failed++;
      return errorResponse(500, { code: isIsofluxError(error) ? error.code : 'not_serializable', message: (error as Error).message });
    }
  }
}
