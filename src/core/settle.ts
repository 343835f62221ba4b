/**
 * Tracks one published message until every subscriber that received it has finished with it.
 * @module
 */
import { HandlerError } from './errors.js';

/** Counts outstanding deliveries of one message; resolves when all are done. */
export class DeliveryTracker {
  #pending = 1; // the publisher's own hold, released by seal()
  #errors: unknown[] = [];
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
      if (this.#errors.length === 0) this.#resolve();
      else this.#reject(new HandlerError(this.subject, this.#errors));
    }
  }

  /** The publisher handed the message to every subscriber. */
  seal(): void {
    this.done();
  }
}
