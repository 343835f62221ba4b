/**
 * Where a stream's messages come from: one small pull interface over subscriptions, iterables and channels.
 * @module
 */
import type { Consumer } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import type { Channel } from './channel.js';

/** A pull-based supply of messages. Each stream stage reads one and offers another. */
export interface MessageSource<T> {
  /** Up to `max` messages, waiting for at least one. `[]`: the source ended (or `signal` aborted). */
  pull(max: number, signal?: AbortSignal): Promise<Array<Message<T>>>;
  /** Stops the source (unsubscribes); buffered messages are dropped. Idempotent. */
  cancel(): Promise<void>;
}

/** What {@link fromIterable} reads: a subscription, any async iterable of messages, optionally pullable in batches. */
export type StreamInput<T> = AsyncIterable<Message<T>> & Partial<Consumer<T>> & { unsubscribe?: () => Promise<void> };

/**
 * A source over a subscription (read in batches with `fetch`, one call per batch) or any async iterable
 * of messages (one `next()` per message). An abort leaves a pending `next()` parked for the next pull, so
 * no message is lost to an abort.
 */
export function fromIterable<T>(input: StreamInput<T>): MessageSource<T> {
  if (typeof input.fetch === 'function') {
    const consumer = input as StreamInput<T> & Consumer<T>;
    return {
      pull: (max, signal) => consumer.fetch(max, signal === undefined ? undefined : { signal }),
      cancel: async () => {
        if (input.unsubscribe) await input.unsubscribe();
        else await input[Symbol.asyncIterator]().return?.();
      },
    };
  }
  const iterator = input[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<Message<T>>> | undefined;
  let done = false;
  return {
    async pull(_max, signal) {
      if (done) return [];
      pending ??= iterator.next();
      const result = signal === undefined ? await pending : await raceAbort(pending, signal);
      if (result === undefined) return [];
      pending = undefined;
      if (result.done) done = true;
      return result.done ? [] : [result.value];
    },
    async cancel() {
      if (done) return;
      done = true;
      await iterator.return?.();
    },
  };
}

function raceAbort<V>(promise: Promise<V>, signal: AbortSignal): Promise<V | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}

/** A source reading a channel; cancelling it cancels the channel (which tells the stage feeding it). */
export function fromChannel<T>(channel: Channel<Message<T>>): MessageSource<T> {
  return {
    pull: (max, signal) => channel.pull(max, signal),
    cancel: async () => channel.cancel(),
  };
}
