/**
 * Tracks one published message until every subscriber that received it has finished with it.
 * @module
 */
import { HandlerError } from './errors.js';

/**
 * Counts outstanding deliveries of one message; resolves when every recipient handled it (at once when there
 * were none), rejects with `handler_failed` when a handler failed, else with why a recipient never handled it.
 */
export class DeliveryTracker {
  #pending = 1; // the publisher's own hold, released by seal()
  #errors: unknown[] = [];
  #unhandled: Error | undefined;
  readonly promise: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: unknown) => void;

  constructor(readonly subject: string) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** One more subscriber got the message. */
  add(): void {
    this.#pending++;
  }

  /** One subscriber finished (with `error` when its handler failed). */
  done(error?: unknown): void {
    if (error !== undefined) this.#errors.push(error);
    if (--this.#pending === 0) {
      if (this.#errors.length > 0) this.#reject(new HandlerError(this.subject, this.#errors));
      else if (this.#unhandled !== undefined) this.#reject(this.#unhandled);
      else this.#resolve();
    }
  }

  /**
   * One subscriber will never handle the message (closed before it ran, dropped on overflow, withdrawn):
   * the wait rejects with `reason` (the first such one) unless a handler failed, so it never resolves for a
   * message somebody did not handle.
   */
  unhandled(reason: Error): void {
    this.#unhandled ??= reason;
    this.done();
  }

  /** The publisher handed the message to every subscriber. */
  seal(): void {
    this.done();
  }
}
