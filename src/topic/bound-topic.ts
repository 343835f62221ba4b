/**
 * A topic bound to one subject: publish and subscribe without repeating (or mistyping) the subject.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { Handler, PublishOptions, Publisher, SubscribeOptions, Subscriber, Subscription } from '../core/interfaces.js';
import { validate, type InferOutput, type StandardSchemaV1 } from '../core/schema.js';
import { assertSubject } from '../core/subject.js';
import type { PatternPayload, PayloadOf, PublishSubject, SubscribePattern, TopicMap } from '../core/topics.js';
import type { AnyPublisher } from '../middleware/publisher.js';
import { validatePayload } from '../middleware/validate.js';

/** One subject with its payload type. */
export interface BoundTopic<T, O extends PublishOptions = PublishOptions> {
  readonly subject: string;
  /** Publishes to the topic's subject (validated first when the topic has a schema: invalid → `invalid_payload`, nothing sent). */
  publish(payload: T, options?: O): Promise<void>;
  /** Subscribes to the topic's subject (invalid payloads are termed and reported when the topic has a schema). */
  subscribe(handler: Handler<T>, options?: SubscribeOptions): Subscription<T>;
}

/** An endpoint whose topic map types the bound subject. */
type Endpoint<M extends TopicMap, O extends PublishOptions> = Publisher<M, O> & Subscriber<M>;

/** Any endpoint, typed or not (parameters typed `never` so narrowed topic maps still fit). */
interface AnyEndpoint extends AnyPublisher {
  subscribe(pattern: never, handler: never, options?: never): Subscription<unknown>;
}

/** The subjects an endpoint accepts, and its publish options. */
type SubjectOf<E extends AnyEndpoint> = Parameters<E['publish']>[0] & string;
type OptionsOf<E extends AnyEndpoint> = E extends { publish(subject: never, payload: never, options?: infer O): Promise<void> } ? NonNullable<O> & PublishOptions : PublishOptions;

/**
 * Binds `subject` (a literal subject) of `endpoint`. Without a schema the payload type comes from the
 * endpoint's topic map; with one it is the schema's output, and both sides validate: publish rejects bad
 * payloads before anything is sent, subscribe terms and reports bad ones it receives (from an older
 * publisher, another tab, the network).
 */
export function bindTopic<E extends AnyEndpoint, V extends StandardSchemaV1>(endpoint: E, subject: SubjectOf<E>, options: { schema: V }): BoundTopic<InferOutput<V>, OptionsOf<E>>;
export function bindTopic<M extends TopicMap, O extends PublishOptions, S extends PublishSubject<M>>(endpoint: Endpoint<M, O>, subject: S): BoundTopic<PayloadOf<M, S>, O>;
export function bindTopic<M extends TopicMap, O extends PublishOptions, S extends PublishSubject<M>>(
  endpoint: Endpoint<M, O>,
  subject: S,
  options: { schema?: StandardSchemaV1 } = {},
): BoundTopic<unknown, O> {
  if (typeof endpoint?.publish !== 'function' || typeof endpoint.subscribe !== 'function') throw new InvalidArgumentError('endpoint must be a Publisher and Subscriber');
  assertSubject(subject, { wildcards: false });
  const { schema } = options;
  const checked = schema === undefined ? undefined : validatePayload(schema);
  return {
    subject,
    async publish(payload, publishOptions) {
      const value = schema === undefined ? payload : await validate(schema, payload, subject);
      return endpoint.publish(subject, value as PayloadOf<M, S>, publishOptions);
    },
    subscribe(handler, subscribeOptions) {
      const wrapped = checked === undefined ? handler : checked(handler);
      return endpoint.subscribe(subject as string as SubscribePattern<M, S>, wrapped as Handler<PatternPayload<M, S>>, subscribeOptions) as Subscription<unknown>;
    },
  };
}
