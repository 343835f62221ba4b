/**
 * A stream of messages with bounded buffers at every stage: process with n in flight, tee, fan-out,
 * merge, publish.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { Handler, PublishOptions, Publisher } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import type { TopicMap } from '../core/topics.js';
import { checkFunction, checkInteger } from '../middleware/check.js';
import { pipeHandler, republished, type Outgoing, type PipeBehaviour } from '../pipe/pipe-handler.js';
import { mergeSources } from './merge.js';
import { processSource, type ProcessOptions, type ProcessResult } from './process.js';
import { fanOutSource, teeSource } from './split.js';
import { fromIterable, type MessageSource, type StreamInput } from './source.js';

/** Options of {@link MessageStream.tee}, {@link MessageStream.fanOut} and {@link merge}. */
export interface BranchOptions {
  /** Messages buffered per branch (default 16). */
  bufferSize?: number;
}

/** Options of {@link MessageStream.publishTo}. */
export interface PublishToOptions<T, N extends TopicMap> extends PipeBehaviour<T>, Omit<ProcessOptions<T>, 'orderBy'> {
  /** Target subject (default: the message's own subject). Ignored when `transform` is given. */
  subject?: string | ((message: Message<T>) => string);
  /** What to publish for each message (default: its payload and headers under `subject`). */
  transform?: (message: Message<T>) => Outgoing<N> | Promise<Outgoing<N>>;
  /** Publishes in flight (default 1, which keeps the order). */
  concurrency?: number;
}

const DEFAULT_BRANCH_BUFFER = 16;

/** Takes a stream's source for `merge`, which needs it from outside the class. */
let claimSource: <T>(stream: MessageStream<T>, operation: string) => MessageSource<T>;

/**
 * Messages flowing from a source (a subscription without a handler, another stream, any async iterable
 * of messages) through bounded stages. Every stage pulls only when it has room, so a slow consumer slows
 * the source, and a subscription with the `block` policy slows its publishers, instead of memory
 * growing. A stream is consumed once: by `for await`, `process`, `tee`, `fanOut`, `merge` or `publishTo`.
 */
export class MessageStream<T> implements AsyncIterable<Message<T>> {
  readonly #source: MessageSource<T>;
  #consumedBy: string | undefined;

  /** Wraps a source; most code uses {@link toStream} instead. */
  constructor(source: MessageSource<T>) {
    this.#source = source;
  }

  #claim(operation: string): MessageSource<T> {
    if (this.#consumedBy !== undefined) {
      throw new InvalidArgumentError(`this stream is already consumed by ${this.#consumedBy}(); a stream is read once — use tee() to give every message to several consumers`);
    }
    this.#consumedBy = operation;
    return this.#source;
  }

  static {
    claimSource = (stream, operation) => stream.#claim(operation);
  }

  /**
   * Runs `handler` on every message with at most `concurrency` in flight (see {@link ProcessOptions} for
   * per-subject ordering). A handler that throws is reported to `onError` and processing continues; wrap
   * the handler in middleware (`retryPolicy`, `timeout` …) for settling and limits. Resolves when the
   * source ends or `signal` aborts, after the last in-flight message finished.
   */
  process(concurrency: number, handler: Handler<T>, options: ProcessOptions<T> = {}): Promise<ProcessResult> {
    checkInteger('concurrency', concurrency);
    checkFunction('handler', handler, false);
    if (options.orderBy !== undefined && options.orderBy !== 'subject' && typeof options.orderBy !== 'function') {
      throw new InvalidArgumentError(`orderBy must be 'subject' or a function, got ${String(options.orderBy)}`);
    }
    return processSource(this.#claim('process'), concurrency, handler, options);
  }

  /** `count` streams that each get every message (the slowest sets the pace). Settle a message in one branch only. */
  tee(count = 2, options: BranchOptions = {}): Array<MessageStream<T>> {
    checkInteger('count', count, 2);
    return teeSource(this.#claim('tee'), count, checkInteger('bufferSize', options.bufferSize ?? DEFAULT_BRANCH_BUFFER)).map((s) => new MessageStream(s));
  }

  /** `count` streams sharing the messages round-robin (full branches are skipped while another has room). */
  fanOut(count: number, options: BranchOptions = {}): Array<MessageStream<T>> {
    checkInteger('count', count, 2);
    return fanOutSource(this.#claim('fanOut'), count, checkInteger('bufferSize', options.bufferSize ?? DEFAULT_BRANCH_BUFFER)).map((s) => new MessageStream(s));
  }

  /**
   * Publishes every message to `target` (same payload, id and headers, or what `transform` returns, keeping
   * the id), awaiting each publish so a slow target slows the stream, and acks it; failures are settled
   * like a pipe's (retry policy, `onDeadLetter`) and reported to `onError`. Resolves when the stream ends.
   */
  publishTo<N extends TopicMap, O extends PublishOptions>(target: Publisher<N, O>, options: PublishToOptions<T, N> = {}): Promise<ProcessResult> {
    const { subject, transform, concurrency = 1, filter, onDeadLetter, retry, middleware, signal, onError } = options;
    checkFunction('transform', transform, true);
    if (subject !== undefined && typeof subject !== 'string' && typeof subject !== 'function') throw new InvalidArgumentError('subject must be a string or a function');
    const expand = async (m: Message<T>): Promise<Array<Outgoing<N>>> => [transform !== undefined ? await transform(m) : republished<T, N>(m, subject)];
    const handler = pipeHandler(target, expand, { filter, onDeadLetter, retry, middleware, single: true });
    return this.process(concurrency, handler, { signal, onError });
  }

  /** Stops the source (a subscription is unsubscribed); readers of this stream and its branches end. */
  close(): Promise<void> {
    return this.#source.cancel();
  }

  [Symbol.asyncIterator](): AsyncIterator<Message<T>> {
    const source = this.#claim('for await');
    return {
      next: async () => {
        const [message] = await source.pull(1);
        return message === undefined ? { value: undefined, done: true } : { value: message, done: false };
      },
      return: async () => {
        await source.cancel();
        return { value: undefined, done: true };
      },
    };
  }
}

/**
 * A stream over a subscription without a handler (`bus.subscribe(pattern, { bufferSize, overflow })`, whose
 * buffer bounds the first stage; read in batches with `fetch`) or any async iterable of messages.
 */
export function toStream<T>(input: StreamInput<T>): MessageStream<T> {
  if (typeof input?.[Symbol.asyncIterator] !== 'function') {
    throw new InvalidArgumentError('toStream() needs a subscription without a handler or an async iterable of messages');
  }
  return new MessageStream(fromIterable(input));
}

/** Fan-in: one stream with the messages of every stream as they arrive; ends when all have ended. */
export function merge<T>(streams: ReadonlyArray<MessageStream<T>>, options: BranchOptions = {}): MessageStream<T> {
  if (!Array.isArray(streams) || streams.length === 0) throw new InvalidArgumentError('merge() needs a non-empty array of streams');
  const bufferSize = checkInteger('bufferSize', options.bufferSize ?? DEFAULT_BRANCH_BUFFER);
  return new MessageStream(mergeSources(streams.map((s) => claimSource(s, 'merge')), bufferSize));
}
