/**
 * Queue groups inside one HTTP handler.
 * @module
 */
import type { BufferedSubscription } from '../core/subscription.js';

/** A queue group inside one handler: each request goes to one member, an idle one first. */
export class LocalGroup {
  readonly members: Array<BufferedSubscription<unknown>> = [];
  #next = 0;
  pick(): BufferedSubscription<unknown> | undefined {
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      const member = this.members[(this.#next + i) % n] as BufferedSubscription<unknown>;
      if (member.isIdle) return (this.#next = (this.#next + i + 1) % n), member;
    }
    const member = this.members[this.#next % Math.max(n, 1)];
    this.#next = (this.#next + 1) % Math.max(n, 1);
    return member;
  }
}
