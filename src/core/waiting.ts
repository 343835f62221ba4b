/**
 * The two kinds of waiting a subscription buffer has: publishers parked by the `block` policy until there
 * is room, and readers (`fetch`, `for await`) parked until a message arrives.
 * @module
 */
import type { Fifo } from './delivery-queue.js';
import { AbortedError } from './errors.js';
import type { Message } from './message.js';
import type { DeliveryTracker } from './settle.js';

/** A delivery waiting in a buffer. */
export interface Pending<T> {
  message: Message<T>;
  tracker: DeliveryTracker | undefined;
}

/** A delivery whose publisher waits for room (the `block` policy). */
export interface Blocked<T> extends Pending<T> {
  resolve(): void;
  reject(error: unknown): void;
}

/** A reader waiting for the next message; called with undefined when it gives up or the buffer closes. */
export type Reader<T> = (message: Message<T> | undefined) => void;

/** Where {@link captureResolvers} leaves a new promise's resolvers; read right after `new Promise`. */
const captured: { resolve(): void; reject(error: unknown): void } = { resolve() {}, reject() {} };
function captureResolvers(resolve: () => void, reject: (error: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

/**
 * Parks a publisher in `blocked` until the buffer takes its message (the promise resolves) or closes
 * (rejects). An abort withdraws the message, which was never accepted, and rejects with `aborted`.
 */
export function parkPublisher<T>(blocked: Fifo<Blocked<T>>, message: Message<T>, tracker: DeliveryTracker | undefined, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) {
    // the common case allocates no closure: a shared executor hands the resolvers over
    const promise = new Promise<void>(captureResolvers);
    blocked.push({ message, tracker, resolve: captured.resolve, reject: captured.reject });
    return promise;
  }
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      blocked.remove(entry);
      const aborted = new AbortedError('publish', signal.reason);
      tracker?.unhandled(aborted);
      reject(aborted);
    };
    const entry: Blocked<T> = {
      message,
      tracker,
      resolve: () => (signal.removeEventListener('abort', onAbort), resolve()),
      reject: (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    blocked.push(entry);
  });
}

/** Waits in `readers` for one message; resolves undefined when the signal aborts, `timeoutMs` passes or the buffer closes. */
export function awaitMessage<T>(readers: Fifo<Reader<T>>, signal?: AbortSignal, timeoutMs?: number): Promise<Message<T> | undefined> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reader: Reader<T> = (message) => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
      resolve(message);
    };
    const cancel = (): void => {
      readers.remove(reader);
      reader(undefined);
    };
    signal?.addEventListener('abort', cancel, { once: true });
    if (timeoutMs !== undefined) timer = setTimeout(cancel, timeoutMs);
    readers.push(reader);
  });
}
