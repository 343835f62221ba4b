/**
 * Where every contestant's handler puts its work: the same trivial work for everyone, so no handler is
 * cheaper than another or optimised away, and a count the harness checks after every run.
 * @module
 */

/** What scenarios publish: a fresh small object per message. */
export interface Numbered {
  readonly n: number;
}

/** Counts deliveries, sums `n` and keeps the last payload; can wait until a count is reached. */
export class Sink {
  count = 0;
  total = 0;
  /**
   * Keeping the payload makes it escape, as it does in real handlers (stored, rendered, forwarded).
   * Otherwise V8 inlines a small emitter's whole path and never allocates `{ n: i }` at all
   * (escape analysis), which would measure a payload nobody publishes in practice.
   */
  last: Numbered | undefined;
  #target = -1;
  #reached: (() => void) | undefined;

  /** The handler's work: one call per delivery. */
  add(payload: Numbered): void {
    this.count++;
    this.total += payload.n;
    this.last = payload;
    if (this.count === this.#target) this.#fire();
  }

  /** Resolves once `count` reaches `target` (at once when it already has). */
  reach(target: number): Promise<void> {
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve) => {
      this.#target = target;
      this.#reached = resolve;
    });
  }

  #fire(): void {
    const resolve = this.#reached;
    this.#target = -1;
    this.#reached = undefined;
    resolve?.();
  }
}
