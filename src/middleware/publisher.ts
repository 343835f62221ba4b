/**
 * Middleware for the publishing side: decorators that wrap any Publisher.
 * @module
 */
import type { PublishOptions } from '../core/interfaces.js';

/** One publish as publisher middleware sees it: the subject is literal and already type-checked. */
export type PublishCall<O extends PublishOptions = PublishOptions> = (subject: string, payload: unknown, options: O | undefined) => Promise<void>;

/** Wraps a publish in behaviour (ids, headers, retries …); works for every publisher and options type. */
export type PublisherMiddleware = <O extends PublishOptions>(next: PublishCall<O>) => PublishCall<O>;

/**
 * Anything with a `publish(subject, payload, options?)`: every transport, typed or not. (Typed as
 * accepting `never` so a publisher whose topic map narrows its subjects and payloads still fits.)
 */
export interface AnyPublisher {
  publish(subject: never, payload: never, options?: never): Promise<void>;
}

/**
 * A publisher that runs every publish through `middleware` (outermost first) and then `publisher`. Its
 * `publish` has exactly the wrapped publisher's signature (topic map and options), so calls stay
 * type-checked. Costs one closure call per middleware per publish.
 */
export function decoratePublisher<P extends AnyPublisher>(publisher: P, ...middleware: PublisherMiddleware[]): Pick<P, 'publish'> {
  const send = publisher.publish as unknown as PublishCall;
  let call: PublishCall = (subject, payload, options) => send.call(publisher, subject, payload, options);
  for (let i = middleware.length - 1; i >= 0; i--) call = (middleware[i] as PublisherMiddleware)(call);
  const wrapped = call;
  return { publish: ((subject: string, payload: unknown, options?: PublishOptions) => wrapped(subject, payload, options)) as unknown as P['publish'] } as Pick<P, 'publish'>;
}
