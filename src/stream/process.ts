/**
 * Runs a handler over a source with a fixed number of messages in flight.
 * @module
 */
import { Fifo } from '../core/delivery-queue.js';
import type { Handler } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import type { MessageSource } from './source.js';

/** Options of `MessageStream.process`. */
export interface ProcessOptions<T> {
  /**
   * Messages with the same key are handled one after another, in arrival order; different keys run in
   * parallel. `'subject'` keys by subject. Default: no ordering, every message runs as soon as a slot is free.
   */
  orderBy?: 'subject' | ((message: Message<T>) => string);
  /** Stops taking messages; in-flight ones finish, then the source is cancelled and the promise resolves. */
  signal?: AbortSignal;
  /** Receives every handler failure; processing continues (default: `console.error`). */
  onError?: (error: unknown, message: Message<T>) => void;
}

/** How a `process` run went. */
export interface ProcessResult {
  /** Messages the handler finished with, failed or not. */
  readonly handled: number;
  /** Of those, how many failed. */
  readonly failed: number;
}

function reportToConsole(error: unknown, message: Message<unknown>): void {
  console.error(`[isoflux] stream handler failed on ${message.subject} (id ${message.id}):`, error);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * Runs at most `concurrency` messages at once (running, or waiting behind a message with the same key)
 * and starts the next as soon as any finishes: a sliding window, not batches, so one slow message does
 * not hold the others back. Up to `concurrency` more are fetched ahead in one batch, so a finished
 * handler starts the next message at once instead of waiting for a fetch (the next batch is fetched when
 * the last fetched-ahead message has started). Memory is bounded by twice `concurrency`; beyond that nothing is pulled, so the source's own buffer fills and (under the `block`
 * policy) its publishers wait. Resolves when the source ends (or the signal aborts) and every started
 * message finished; messages fetched ahead but not started when the signal aborts are dropped with the
 * source (cancelled).
 */
export async function processSource<T>(source: MessageSource<T>, concurrency: number, handler: Handler<T>, options: ProcessOptions<T> = {}): Promise<ProcessResult> {
  const { orderBy, signal } = options;
  const onError = options.onError ?? reportToConsole;
  const keyOf = orderBy === 'subject' ? (m: Message<T>) => m.subject : orderBy;
  const queuedByKey = keyOf === undefined ? undefined : new Map<string, Array<Message<T>>>();
  const ahead = new Fifo<Message<T>>();
  let active = 0;
  let handled = 0;
  let failed = 0;
  let wake: (() => void) | undefined;

  const report = (message: Message<T>, error: unknown): void => {
    failed++;
    try {
      onError(error, message);
    } catch {
      // a failing reporter must not stop the stream
    }
  };

  const run = (message: Message<T>): void => {
    let result: unknown;
    try {
      result = handler(message);
    } catch (error) {
      return finish(message, error);
    }
    if (isThenable(result)) result.then(() => finish(message, undefined), (error: unknown) => finish(message, error ?? new Error('handler rejected')));
    else finish(message, undefined);
  };

  /** Starts `message` now, or parks it behind the running message with the same key. */
  const start = (message: Message<T>): void => {
    active++;
    if (queuedByKey !== undefined) {
      const key = (keyOf as (m: Message<T>) => string)(message);
      const queue = queuedByKey.get(key);
      if (queue !== undefined) return void queue.push(message);
      queuedByKey.set(key, []);
    }
    run(message);
  };

  const finish = (message: Message<T>, error: unknown): void => {
    handled++;
    if (error !== undefined) report(message, error);
    active--;
    if (queuedByKey !== undefined) {
      const key = (keyOf as (m: Message<T>) => string)(message);
      const queue = queuedByKey.get(key) as Array<Message<T>>;
      const next = queue.shift();
      // `next` already holds a slot: it was counted when it was parked behind its key
      if (next !== undefined) run(next);
      else queuedByKey.delete(key);
    }
    if (!signal?.aborted) while (active < concurrency && ahead.size > 0) start(ahead.shift() as Message<T>);
    // the pump refills once every fetched-ahead message has started, so each fetch takes a whole batch
    if (wake !== undefined && (ahead.size === 0 || active === 0)) {
      const w = wake;
      wake = undefined;
      w();
    }
  };

  const idle = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  try {
    while (!signal?.aborted) {
      if (ahead.size > 0) {
        await idle();
        continue;
      }
      const batch = await source.pull(concurrency, signal);
      if (batch.length === 0) break;
      for (const message of batch) {
        if (active < concurrency && ahead.size === 0) start(message);
        else ahead.push(message);
      }
    }
    if (!signal?.aborted) while (ahead.size > 0) {
      if (active < concurrency) start(ahead.shift() as Message<T>);
      else await idle();
    }
  } finally {
    while (active > 0) await idle();
  }
  if (signal?.aborted) await source.cancel();
  return { handled, failed };
}
