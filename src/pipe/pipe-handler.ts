/**
 * The handler behind every pipe: filter, transform, publish, then settle the source message.
 * @module
 */
import { compose } from '../core/compose.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Handler, Middleware, PublishOptions, Publisher } from '../core/interfaces.js';
import type { Headers, Message } from '../core/message.js';
import type { AnyTopics, PayloadOf, PublishSubject, SubjectTemplate, TopicMap } from '../core/topics.js';
import { forwardedId } from '../middleware/publish-headers.js';
import { retryPolicy, type DeadLetterObserver, type RetryPolicyOptions } from '../middleware/retry-policy.js';

/** One message a pipe publishes to its target: a subject of the target's topic map with that topic's payload. */
export type Outgoing<N extends TopicMap = AnyTopics> = {
  [K in keyof N & string]: { readonly subject: SubjectTemplate<K>; readonly payload: N[K]; readonly headers?: Headers };
}[keyof N & string];

/** What a pipe does besides publishing. */
export interface PipeBehaviour<T> {
  /** Messages for which this returns false are acked and skipped (not retried, not dead-lettered). */
  filter?: (message: Message<T>) => boolean | Promise<boolean>;
  /** Called with each message the pipe gives up on, and the error (see `retryPolicy`). */
  onDeadLetter?: DeadLetterObserver;
  /** Redelivery policy where the source transport acks (max attempts, backoff, poison test). */
  retry?: Omit<RetryPolicyOptions, 'onDeadLetter'>;
  /** Extra middleware run around the transform-and-publish step (inside the filter). */
  middleware?: Middleware[];
}

/** Turns one source message into the messages to publish, in order. */
export type Expand<T, N extends TopicMap> = (message: Message<T>) => Iterable<Outgoing<N>> | Promise<Iterable<Outgoing<N>>>;

/**
 * The outgoing message for forwarding `message` unchanged: same payload and headers, to `subject` (a
 * string, or computed per message), or to the message's own subject when omitted.
 */
export function republished<T, N extends TopicMap>(message: Message<T>, subject: string | ((message: Message<T>) => string) | undefined): Outgoing<N> {
  const to = typeof subject === 'function' ? subject(message) : (subject ?? message.subject);
  // forwarding cannot check the payload against the target's map: the caller vouches for it, as with `forward`
  return { subject: to, payload: message.payload, headers: message.headers } as unknown as Outgoing<N>;
}

function filtering<T>(filter: (message: Message<T>) => boolean | Promise<boolean>): Middleware {
  return <U>(next: Handler<U>) =>
    async (message: Message<U>): Promise<unknown> => ((await filter(message as unknown as Message<T>)) ? next(message) : undefined);
}

/**
 * A handler that publishes what `expand` makes of each message to `target`, one after another, awaiting
 * each publish (so a slow target slows the pipe: backpressure), then acks the source. Ids: a single
 * output (`single: true`) keeps the source id; outputs of a fan-out get `<id>-<n>`, so a redelivered source
 * republishes under the same ids. A failure is settled by `retryPolicy` (nak with backoff, or term and
 * `onDeadLetter`) and rethrown, so the subscription reports it.
 */
export function pipeHandler<T, N extends TopicMap, O extends PublishOptions>(
  target: Publisher<N, O>,
  expand: Expand<T, N>,
  behaviour: PipeBehaviour<T> & { single?: boolean } = {},
): Handler<T> {
  if (typeof target?.publish !== 'function') throw new InvalidArgumentError('target must be a Publisher (an object with publish())');
  if (behaviour.filter !== undefined && typeof behaviour.filter !== 'function') throw new InvalidArgumentError('filter must be a function');
  const single = behaviour.single === true;
  const step: Handler<T> = async (message) => {
    const outputs = await expand(message);
    let index = 0;
    for (const out of outputs) {
      const id = forwardedId(message as Message<unknown>, single ? undefined : index++);
      await target.publish(out.subject as PublishSubject<N>, out.payload as PayloadOf<N, PublishSubject<N>>, { id, headers: out.headers } as O);
    }
  };
  const layers: Middleware[] = [retryPolicy({ ...behaviour.retry, onDeadLetter: behaviour.onDeadLetter })];
  if (behaviour.filter !== undefined) layers.push(filtering(behaviour.filter));
  return compose(step, ...layers, ...(behaviour.middleware ?? []));
}
