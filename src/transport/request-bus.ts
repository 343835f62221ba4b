/**
 * The facade's request side: `request` (native through the driver, or over a private inbox) and `respond`.
 * @module
 */
import { AbortedError, NoRespondersError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { Handler, PublishOptions, RequestOptions, SubscribeOptions, Subscription } from '../core/interfaces.js';
import type { Headers, Message } from '../core/message.js';
import { PendingRequests } from '../core/pending-requests.js';
import { answering, errorReplyHeaders, unwrapReply } from '../core/reply.js';
import type { SubscriptionHooks } from '../core/subscription.js';
import { publishWithTelemetry } from '../core/telemetry.js';
import type { AnyTopics, PatternPayload, PayloadOf, PublishSubject, SubscribePattern, TopicMap } from '../core/topics.js';
import { TransportBus, type BusStats } from './bus.js';
import type { SendOptions, Sink } from './driver.js';
import { checkSignal, checkTimeoutMs } from './options.js';

/** A facade-built bus that also answers requests (its driver has `request` or `interest`). */
export class RequestBus<M extends TopicMap = AnyTopics, P extends PublishOptions = PublishOptions, S extends BusStats = BusStats, O extends SubscribeOptions = SubscribeOptions> extends TransportBus<M, P, S, O> {
  readonly #requests = new PendingRequests(nextId());
  /** The subscription on this bus's inbox (`_INBOX.<id>.*`), made by the first inbox-routed request. */
  #inbox: Sink | undefined;

  /**
   * Sends a request and waits for one reply: `timeoutMs` per call, else the bus's `requestTimeoutMs`.
   * Rejects with `no_responders`, `timeout`, `remote_error`, `aborted`, `closed`, `invalid_subject`,
   * `invalid_argument` (naming the option).
   */
  async request<R = unknown, Sub extends PublishSubject<M> = PublishSubject<M>>(subject: Sub, payload: PayloadOf<M, Sub>, options: RequestOptions & Omit<P, keyof RequestOptions> = {} as never): Promise<Message<R>> {
    if (this.isClosed) throw this.closedError();
    this.checkSubject(subject);
    const timeoutMs = checkTimeoutMs('timeoutMs', options.timeoutMs) ?? this.requestTimeoutMs;
    const signal = checkSignal('signal', options.signal);
    const what = `request on ${JSON.stringify(subject)}`;
    const driver = this.driver;
    if (driver.request !== undefined) {
      if (signal?.aborted) throw new AbortedError(what, signal.reason);
      const ask = (headers: Headers | undefined): Promise<Message<unknown>> => (driver.request as NonNullable<typeof driver.request>)(subject, payload, { timeoutMs, headers, id, signal });
      const id = options.id ?? (this.telemetry === undefined ? undefined : nextId());
      const reply = this.telemetry === undefined ? ask(options.headers) : publishWithTelemetry(this.telemetry, { system: driver.name, subject, id }, options.headers, ask);
      return unwrapReply((await reply) as Message<R>, subject);
    }
    if (driver.interest !== undefined && !(await driver.interest(subject))) throw new NoRespondersError(subject);
    if (signal?.aborted) throw new AbortedError(what, signal.reason);
    if (this.#inbox === undefined) {
      this.#inbox = this.listen(`${this.#requests.prefix}*`, (message: Message<unknown>) => void this.#requests.resolve(message.subject, message), undefined, INBOX_HOOKS);
      this.internalSubscriptions++;
    }
    const open = this.#requests.open(subject, timeoutMs, signal);
    try {
      // `over` withdraws a send still parked on backpressure once the request ended (timeout, abort, close)
      await this.send(subject, payload, { ...options, signal: open.over, replyTo: open.replyTo } as SendOptions<P>, true);
    } catch (error) {
      open.fail(error as Error);
    }
    return unwrapReply((await open.reply) as Message<R>, subject);
  }

  /** Answers requests on `pattern`: the handler's result is the reply; a thrown error reaches the requester as `remote_error`. */
  respond<Pat extends string, R = unknown>(
    pattern: SubscribePattern<M, Pat>,
    handler: (message: Message<PatternPayload<M, Pat>>) => R | Promise<R>,
    options?: O,
  ): Subscription<PatternPayload<M, Pat>> {
    const handle = answering(handler, (replyTo, result, headers) => this.send(replyTo, result, { headers } as SendOptions<P>, false));
    return this.subscribeWith(pattern, handle as Handler<never>, options, this.#answerInvalid) as Subscription<PatternPayload<M, Pat>>;
  }

  /** A request the schema refused is answered with the reason (the requester's `remote_error`), not left to time out. */
  readonly #answerInvalid = (message: Message<unknown>, error: unknown): void => {
    const replyTo = message.replyTo;
    // the bus closed or the reply subject is unusable: the requester times out or sees `closed`
    if (replyTo === undefined) return;
    try {
      this.send(replyTo, undefined, { headers: errorReplyHeaders(error) } as SendOptions<P>, false).catch(ignore);
    } catch {
      // an invalid reply subject (`send` checks it synchronously): nobody can be answered
    }
  };

  protected override beforeClose(): void {
    this.#requests.failAll(this.closedError());
  }
}

const ignore = (): void => undefined;

/** The inbox subscription is the facade's own: not traced, not tapped, not counted. */
const INBOX_HOOKS: SubscriptionHooks = { onClose: (sink) => sink.listener?.close(sink), system: 'inbox' };
