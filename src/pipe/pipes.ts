/**
 * Pipes: subscribe to a pattern and republish every message (as is, mapped, or expanded) to a publisher.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { PublishOptions, Publisher, SubscribeOptions, Subscriber, Subscription } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import type { PatternPayload, SubscribePattern, TopicMap } from '../core/topics.js';
import { pipeHandler, republished, type Expand, type Outgoing, type PipeBehaviour } from './pipe-handler.js';

/** Options of every pipe: the subscription's own options plus the pipe's behaviour. */
export type PipeOptions<T> = SubscribeOptions & PipeBehaviour<T>;

/** Options of {@link forward}. */
export interface ForwardOptions<T> extends PipeOptions<T> {
  /** Target subject (default: the source message's own subject). */
  subject?: string | ((message: Message<T>) => string);
}

function open<M extends TopicMap, P extends string, N extends TopicMap, O extends PublishOptions>(
  source: Subscriber<M>,
  pattern: SubscribePattern<M, P>,
  target: Publisher<N, O>,
  expand: Expand<PatternPayload<M, P>, N>,
  options: PipeOptions<PatternPayload<M, P>> & { single?: boolean },
): Subscription<PatternPayload<M, P>> {
  if (typeof source?.subscribe !== 'function') throw new InvalidArgumentError('source must be a Subscriber (an object with subscribe())');
  const { filter, onDeadLetter, retry, middleware, single, ...subscribeOptions } = options;
  const handler = pipeHandler(target, expand, { filter, onDeadLetter, retry, middleware, single });
  return source.subscribe(pattern, handler, subscribeOptions);
}

/**
 * Republishes every message on `pattern` to `target` with the same payload, id and headers (to
 * `options.subject`, or the same subject). In order, one at a time; ends with the returned subscription
 * (or `options.signal`).
 */
export function forward<M extends TopicMap, P extends string, N extends TopicMap, O extends PublishOptions>(
  source: Subscriber<M>,
  pattern: SubscribePattern<M, P>,
  target: Publisher<N, O>,
  options: ForwardOptions<PatternPayload<M, P>> = {},
): Subscription<PatternPayload<M, P>> {
  const { subject, ...rest } = options;
  if (subject !== undefined && typeof subject !== 'string' && typeof subject !== 'function') throw new InvalidArgumentError('subject must be a string or a function');
  const expand = (m: Message<PatternPayload<M, P>>): Array<Outgoing<N>> => [republished<PatternPayload<M, P>, N>(m, subject)];
  return open(source, pattern, target, expand, { ...rest, single: true });
}

/** Publishes `transform(message)` to `target` for every message on `pattern`, keeping the source id. */
export function map<M extends TopicMap, P extends string, N extends TopicMap, O extends PublishOptions>(
  source: Subscriber<M>,
  pattern: SubscribePattern<M, P>,
  target: Publisher<N, O>,
  transform: (message: Message<PatternPayload<M, P>>) => Outgoing<N> | Promise<Outgoing<N>>,
  options: PipeOptions<PatternPayload<M, P>> = {},
): Subscription<PatternPayload<M, P>> {
  if (typeof transform !== 'function') throw new InvalidArgumentError('transform must be a function');
  return open(source, pattern, target, async (m) => [await transform(m)], { ...options, single: true });
}

/**
 * Publishes every message `expand(message)` returns (none, one or many, in order) to `target`; the n-th
 * gets the id `<source id>-<n>`. The source is acked after the last publish resolved.
 */
export function flatMap<M extends TopicMap, P extends string, N extends TopicMap, O extends PublishOptions>(
  source: Subscriber<M>,
  pattern: SubscribePattern<M, P>,
  target: Publisher<N, O>,
  expand: Expand<PatternPayload<M, P>, N>,
  options: PipeOptions<PatternPayload<M, P>> = {},
): Subscription<PatternPayload<M, P>> {
  if (typeof expand !== 'function') throw new InvalidArgumentError('expand must be a function');
  return open(source, pattern, target, expand, options);
}
