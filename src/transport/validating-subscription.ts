/**
 * A subscription that validates what its driver delivers with a Standard Schema before it is handled: the
 * facade makes one instead of a plain subscription only when a schema applies and the driver does not decode
 * (and validate) by itself, so a bus without a schema pays nothing.
 * @module
 */
import { ValidationError } from '../core/errors.js';
import type { Handler, SubscribeOptions } from '../core/interfaces.js';
import { createMessage, type Message } from '../core/message.js';
import type { StandardSchemaV1 } from '../core/schema.js';
import type { DeliveryTracker } from '../core/settle.js';
import { BufferedSubscription, type SubscriptionHooks } from '../core/subscription.js';

type Result = Awaited<ReturnType<StandardSchemaV1['~standard']['validate']>>;
/** A schema that threw instead of answering. */
type Thrown = { readonly issues?: undefined; readonly thrown: unknown };

/** Called after an invalid message was reported (a responder answers the request with the reason). */
export type OnInvalid = (message: Message<unknown>, error: unknown) => void;

/**
 * Validates each delivered payload, as the byte transports do on their receive path: a valid message is
 * handed on with the schema's output as payload; an invalid one (or a schema that throws) never reaches the
 * handler or an iterator — it is reported through `reportError` (the subscription's `onError`, its `failed`
 * counter, a `failed` tap) with the message as received, then handed to `onInvalid`. A publisher waiting for
 * the handlers (`untilHandled`) sees the `ValidationError`. An asynchronous schema does not reorder messages:
 * later ones wait for the validation of earlier ones.
 */
export class ValidatingSubscription extends BufferedSubscription<unknown> {
  readonly #schema: StandardSchemaV1;
  readonly #onInvalid: OnInvalid | undefined;
  /** The last message still validating or waiting for an earlier one; undefined once all caught up. */
  #tail: Promise<unknown> | undefined;

  constructor(pattern: string, handler: Handler<unknown> | undefined, options: SubscribeOptions | undefined, hooks: SubscriptionHooks, schema: StandardSchemaV1, onInvalid: OnInvalid | undefined) {
    super(pattern, handler, options, hooks);
    this.#schema = schema;
    this.#onInvalid = onInvalid;
  }

  override deliver(message: Message<unknown>, tracker?: DeliveryTracker, signal?: AbortSignal): void | Promise<void> {
    let result: Result | Thrown | Promise<Result>;
    try {
      result = this.#schema['~standard'].validate(message.payload);
    } catch (thrown) {
      result = { thrown };
    }
    if (this.#tail === undefined && !(result instanceof Promise)) return this.#act(message, result, tracker, signal);
    // held until it is acted on, so a publisher waiting for the handlers waits for this one too
    tracker?.add();
    // settled now (a rejection is never unobserved), acted on once every earlier message was
    const outcome = Promise.resolve(result).then(undefined, (thrown: unknown): Thrown => ({ thrown }));
    const accepted = (this.#tail ?? outcome).then(() => outcome).then((r) => {
      try {
        return this.#act(message, r, tracker, signal);
      } finally {
        tracker?.done();
      }
    });
    // a later message waits for this one, not for its failure (a publisher parked by `block`, then withdrawn)
    const step = accepted.catch(() => undefined);
    this.#tail = step;
    void step.then(() => this.#tail === step && (this.#tail = undefined));
    return accepted;
  }

  /** Hands a valid message on with the schema's output; reports an invalid one. */
  #act(message: Message<unknown>, r: Result | Thrown, tracker: DeliveryTracker | undefined, signal: AbortSignal | undefined): void | Promise<void> {
    if (r.issues === undefined && !('thrown' in r)) return super.deliver(r.value === message.payload ? message : createMessage({ subject: message.subject, payload: r.value, headers: message.headers, id: message.id, replyTo: message.replyTo, delivery: message.delivery }), tracker, signal);
    const error = 'thrown' in r ? r.thrown : new ValidationError(message.subject, r.issues);
    tracker?.add();
    tracker?.unhandled(error as Error);
    try {
      this.reportError(error, message);
    } catch {
      // an onError that throws must not stop delivery (nor turn a publish into a throw)
    }
    this.#onInvalid?.(message, error);
  }
}
