/**
 * Routing inside one process (memory bus, HTTP handler): a subject trie of subscriptions and queue groups;
 * the members of a queue group share one pattern and queue name, and each message goes to one.
 * @module
 */
import { SubjectTrie } from './subject-trie.js';
import type { BufferedSubscription } from './subscription.js';

/**
 * Picks one member per message: round-robin among idle members; when none is idle, among members with
 * buffer room; when all are full, the round-robin member's overflow policy decides.
 */
export class QueueGroup {
  /** Tells a group from a subscription with one property load (cheaper than `instanceof` on the hot path). */
  readonly isQueueGroup = true;
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

/** Where a message matching a pattern goes: a subscription, or a queue group that picks one member. */
export type Route = BufferedSubscription<unknown> | QueueGroup;

/** The subscription that receives a message routed to `route` (a group picks one member). */
export function routeTarget(route: Route): BufferedSubscription<unknown> | undefined {
  return (route as QueueGroup).isQueueGroup === true ? (route as QueueGroup).pick() : (route as BufferedSubscription<unknown>);
}

/** The routing table of an in-process transport: subscriptions and queue groups by pattern. */
export class RouteTable {
  readonly #trie = new SubjectTrie<Route>();
  readonly #groups = new Map<string, QueueGroup>();

  /** The routes matching `subject` if they were matched since the last change (see {@link SubjectTrie.cached}). */
  cached(subject: string): readonly Route[] | undefined {
    return this.#trie.cached(subject);
  }

  /** Every route matching the literal `subject`. */
  match(subject: string): readonly Route[] {
    return this.#trie.match(subject);
  }

  /** Every routed subscription, queue-group members included. */
  subscriptions(): Array<BufferedSubscription<unknown>> {
    return this.#trie.values().flatMap((route) => (route instanceof QueueGroup ? route.members : [route]));
  }

  /** Routes `pattern` to `subscription`, or to its queue group (created with the first member). */
  add(pattern: string, queue: string | undefined, subscription: BufferedSubscription<unknown>): void {
    if (queue === undefined) return this.#trie.insert(pattern, subscription);
    const key = `${pattern}\u0000${queue}`;
    let group = this.#groups.get(key);
    if (group === undefined) {
      this.#groups.set(key, (group = new QueueGroup()));
      this.#trie.insert(pattern, group);
    }
    group.members.push(subscription);
  }

  /** Undoes {@link add}; a group goes with its last member. */
  remove(pattern: string, queue: string | undefined, subscription: BufferedSubscription<unknown>): void {
    if (queue === undefined) return void this.#trie.remove(pattern, subscription);
    const key = `${pattern}\u0000${queue}`;
    const group = this.#groups.get(key);
    if (group === undefined) return;
    group.remove(subscription);
    if (group.members.length === 0) {
      this.#groups.delete(key);
      this.#trie.remove(pattern, group);
    }
  }
}
