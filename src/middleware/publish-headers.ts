/**
 * Publisher middleware that adds message ids and headers, and the id rule for republished messages.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { PublishOptions } from '../core/interfaces.js';
import type { Headers, Message } from '../core/message.js';
import { checkFunction } from './check.js';
import type { PublishCall, PublisherMiddleware } from './publisher.js';

/**
 * Gives every publish an id before it reaches the transport (`generate`, default the core's `nextId`),
 * unless the caller set one. Put it outside retrying middleware so every attempt carries the same id and
 * receivers (JetStream, `dedup`) drop the copies.
 */
export function injectMessageId(generate: () => string = nextId): PublisherMiddleware {
  checkFunction('generate', generate, false);
  return <O extends PublishOptions>(next: PublishCall<O>): PublishCall<O> =>
    (subject, payload, options) =>
      options?.id !== undefined ? next(subject, payload, options) : next(subject, payload, { ...options, id: generate() } as O);
}

/**
 * Adds `headers` (or what the function returns for this publish) to every publish; headers the caller
 * passes win over injected ones of the same name.
 */
export function injectHeaders(headers: Headers | ((subject: string, payload: unknown) => Headers)): PublisherMiddleware {
  if (typeof headers !== 'function' && (typeof headers !== 'object' || headers === null)) {
    throw new InvalidArgumentError(`headers must be an object of strings or a function returning one, got ${String(headers)}`);
  }
  return <O extends PublishOptions>(next: PublishCall<O>): PublishCall<O> =>
    (subject, payload, options) => {
      const injected = typeof headers === 'function' ? headers(subject, payload) : headers;
      return next(subject, payload, { ...options, headers: { ...injected, ...options?.headers } } as O);
    };
}

/**
 * The id a message republished from `source` should carry, so the id survives hops and a redelivered
 * source republishes under the same id (receivers de-duplicate): `source.id` itself, or
 * `<source.id>-<index>` for the index-th of several messages made from one source.
 */
export function forwardedId(source: Message<unknown>, index?: number): string {
  return index === undefined ? source.id : `${source.id}-${index}`;
}
