/**
 * A queue group on the memory bus: members share one pattern and queue name; each message goes to one.
 * @module
 */
import type { BufferedSubscription } from '../core/subscription.js';

/** Picks one member per message: round-robin, skipping members whose buffer is full while another has room. */
export class QueueGroup {
  readonly members: Array<BufferedSubscription<unknown>> = [];
  #next = 0;

  constructor(readonly key: string) {}

  pick(): BufferedSubscription<unknown> | undefined {
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      const member = this.members[(this.#next + i) % n] as BufferedSubscription<unknown>;
      if (!member.isFull) {
        this.#next = (this.#next + i + 1) % n;
        return member;
      }
    }
    // everyone is full: the round-robin member's overflow policy decides
    const member = this.members[this.#next % n];
    this.#next = (this.#next + 1) % Math.max(n, 1);
    return member;
  }

  remove(member: BufferedSubscription<unknown>): void {
    const i = this.members.indexOf(member);
    if (i !== -1) this.members.splice(i, 1);
  }
}
