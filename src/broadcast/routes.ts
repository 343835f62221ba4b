/**
 * This tab's side of the routing: local subscriptions and queue groups in a subject trie, and the
 * reference-counted interest (patterns) the tab announces to its peers.
 * @module
 */
import type { Message } from '../core/message.js';
import { SubjectTrie } from '../core/subject-trie.js';
import type { BufferedSubscription } from '../core/subscription.js';
import { CrossTabGroup, type GroupHost, type GroupTiming } from './queue-group.js';
import type { LockManagerLike } from '../core/locks.js';

type Route = BufferedSubscription<unknown> | CrossTabGroup;

/** Local routing table of one bus. */
export class LocalRoutes {
  readonly #trie = new SubjectTrie<Route>();
  readonly #groups = new Map<string, CrossTabGroup>();
  /** Local subscriptions per pattern: a pattern is announced on 0 → 1 and withdrawn on 1 → 0. */
  readonly #interest = new Map<string, number>();
  readonly subscriptions = new Set<BufferedSubscription<unknown>>();

  readonly #groupLock: (groupKey: string) => string;
  readonly #host: GroupHost;
  readonly #timing: GroupTiming;

  constructor(groupLock: (groupKey: string) => string, host: GroupHost, timing: GroupTiming) {
    this.#groupLock = groupLock;
    this.#host = host;
    this.#timing = timing;
  }

  /** The patterns this tab subscribes to. */
  get patterns(): string[] {
    return [...this.#interest.keys()];
  }

  /** The queue group with this wire key, if this tab has a member. */
  group(groupKey: string): CrossTabGroup | undefined {
    return this.#groups.get(groupKey);
  }

  /** Routes whose pattern matches the valid literal `subject` (cached per subject). */
  match(subject: string): readonly Route[] {
    return this.#trie.match(subject);
  }

  /** The cached routes of `subject` if it was matched since the last change: lets hot paths skip validation. */
  cached(subject: string): readonly Route[] | undefined {
    return this.#trie.cached(subject);
  }

  /** Adds a subscription; true when `pattern` is new interest for this tab. */
  add(pattern: string, queue: string | undefined, subscription: BufferedSubscription<unknown>, locks: LockManagerLike | undefined): boolean {
    this.subscriptions.add(subscription);
    if (queue === undefined || locks === undefined) this.#trie.insert(pattern, subscription);
    else {
      const key = `${queue} ${pattern}`;
      let group = this.#groups.get(key);
      if (group === undefined) {
        this.#groups.set(key, (group = new CrossTabGroup(key, this.#groupLock(key), locks, this.#host, this.#timing)));
        this.#trie.insert(pattern, group);
      }
      group.members.push(subscription);
    }
    const count = this.#interest.get(pattern) ?? 0;
    this.#interest.set(pattern, count + 1);
    return count === 0;
  }

  /** Removes a subscription; true when that was this tab's last interest in `pattern`. */
  remove(pattern: string, queue: string | undefined, subscription: BufferedSubscription<unknown>): boolean {
    if (!this.subscriptions.delete(subscription)) return false;
    const group = queue === undefined ? undefined : this.#groups.get(`${queue} ${pattern}`);
    if (group === undefined) this.#trie.remove(pattern, subscription);
    else {
      const i = group.members.indexOf(subscription);
      if (i !== -1) group.members.splice(i, 1);
      if (group.members.length === 0) {
        group.close();
        this.#groups.delete(`${queue} ${pattern}`);
        this.#trie.remove(pattern, group);
      }
    }
    const count = (this.#interest.get(pattern) ?? 1) - 1;
    if (count > 0) this.#interest.set(pattern, count);
    else this.#interest.delete(pattern);
    return count === 0;
  }

  /** Hands `message` to every matching route; returns the waits of `block` subscribers that are full. */
  deliver(routes: readonly Route[], message: Message<unknown>, key: string, signal: AbortSignal | undefined): Array<Promise<void>> | undefined {
    let waits: Array<Promise<void>> | undefined;
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i] as Route;
      const wait = route instanceof CrossTabGroup ? route.offer(message, key, signal) : route.deliver(message, undefined, signal);
      if (wait !== undefined) (waits ??= []).push(wait);
    }
    return waits;
  }

  /** Steps down from every group (the bus closed). */
  closeGroups(): void {
    for (const group of this.#groups.values()) group.close();
    this.#groups.clear();
  }
}
