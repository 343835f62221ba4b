/**
 * A queue group inside one process (memory bus, HTTP handler): members share one pattern and queue name;
 * each message goes to one.
 * @module
 */
import type { BufferedSubscription } from './subscription.js';

/**
 * Picks one member per message: round-robin among idle members; when none is idle, among members with
 * buffer room; when all are full, the round-robin member's overflow policy decides.
 */
export class QueueGroup {
  readonly members: Array<BufferedSubscription<unknown>> = [];
  #next = 0;

  pick(): BufferedSubscription<unknown> | undefined {
    return this.#first((m) => m.isIdle) ?? this.#first((m) => !m.isFull) ?? this.#roundRobin();
  }

  #first(accept: (member: BufferedSubscription<unknown>) => boolean): BufferedSubscription<unknown> | undefined {
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      const member = this.members[(this.#next + i) % n] as BufferedSubscription<unknown>;
      if (accept(member)) {
        this.#next = (this.#next + i + 1) % n;
        return member;
      }
    }
    return undefined;
  }

  #roundRobin(): BufferedSubscription<unknown> | undefined {
    const n = this.members.length;
    const member = this.members[this.#next % n];
    this.#next = (this.#next + 1) % Math.max(n, 1);
    return member;
  }

  remove(member: BufferedSubscription<unknown>): void {
    const i = this.members.indexOf(member);
    if (i !== -1) this.members.splice(i, 1);
  }
}
