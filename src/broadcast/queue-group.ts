/**
 * A queue group across tabs: every tab with a member receives every message of the group, and only the tab
 * holding the group's Web Lock (the leader) hands it to a member. The others keep it in a standby backlog
 * until the leader says it took it, so when the leader's tab closes or crashes, the next tab in the lock's
 * queue takes over and hands out what the old leader never took: nothing published after the switch (or in
 * the gap before it) is lost.
 * @module
 */
import type { Message } from '../core/message.js';
import type { BufferedSubscription } from '../core/subscription.js';
import { holdLock, type HeldLock, type LockManagerLike } from '../core/locks.js';

/** What a group needs from its bus. */
export interface GroupHost {
  /** Tell the standbys that the message `key` was taken (coalesced into one item per tick). */
  taken(groupKey: string, key: string): void;
  /** A standby dropped its oldest backlog entry because the backlog was full. */
  backlogOverflow(message: Message<unknown>): void;
}

/** Tuning of failover. */
export interface GroupTiming {
  /**
   * After winning the lock, how long the new leader keeps buffering before it hands out the backlog, so the
   * old leader's last "taken" notices (already in flight) arrive first and are not handed out twice.
   */
  readonly settleMs: number;
  /** Messages a standby keeps while waiting for the leader's "taken" notices; the oldest go first. */
  readonly backlogLimit: number;
}

type State = 'standby' | 'settling' | 'leading' | 'closed';

/**
 * A delivery nobody awaits (a message from another tab cannot make its publisher wait): its only possible
 * rejection is `closed` when the subscription ends first, already counted as a drop.
 */
export function settleQuietly(result: void | Promise<void>): void {
  if (result !== undefined) result.catch(() => undefined);
}

/**
 * Guarantees: while a leader lives, each message of the group reaches exactly one member in exactly one tab.
 * At a failover, a message the old leader received in its last instant but whose "taken" notice took longer
 * than `settleMs` to arrive may be handled twice (at-least-once at the switch, never silently lost);
 * a message published when no tab has a member is lost (at-most-once, as on NATS).
 */
export class CrossTabGroup {
  readonly members: Array<BufferedSubscription<unknown>> = [];
  readonly #key: string;
  readonly #host: GroupHost;
  readonly #timing: GroupTiming;
  readonly #lock: HeldLock;
  readonly #backlog = new Map<string, Message<unknown>>();
  /** "Taken" notices that arrived before their message (different senders are not ordered). */
  readonly #early = new Set<string>();
  #state: State = 'standby';
  #next = 0;
  #settleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(key: string, lockName: string, locks: LockManagerLike, host: GroupHost, timing: GroupTiming) {
    this.#key = key;
    this.#host = host;
    this.#timing = timing;
    this.#lock = holdLock(locks, lockName, () => this.#won());
    this.#lock.granted.catch(() => undefined);
  }

  /** True while this tab hands out the group's messages. */
  get isLeader(): boolean {
    return this.#state === 'leading';
  }

  /** Messages waiting for the leader's "taken" notice. */
  get backlog(): number {
    return this.#backlog.size;
  }

  /** A message of this group, received or published here, identified on the wire by `key`. */
  offer(message: Message<unknown>, key: string, signal?: AbortSignal): void | Promise<void> {
    if (this.#state === 'leading') return this.#handOut(message, key, signal);
    if (this.#state === 'closed') return;
    if (this.#early.delete(key)) return;
    if (this.#backlog.size >= this.#timing.backlogLimit) {
      const [oldestKey, oldest] = this.#backlog.entries().next().value as [string, Message<unknown>];
      this.#backlog.delete(oldestKey);
      this.#host.backlogOverflow(oldest);
    }
    this.#backlog.set(key, message);
  }

  /** The leader took these messages: forget them (or remember the notice if it beat its message here). */
  taken(keys: readonly string[]): void {
    if (this.#state === 'leading' || this.#state === 'closed') return;
    for (const key of keys) {
      if (this.#backlog.delete(key)) continue;
      this.#early.add(key);
      if (this.#early.size > this.#timing.backlogLimit * 2) this.#early.delete(this.#early.values().next().value as string);
    }
  }

  /** The last local member left: step down (the next tab in line takes over) or stop waiting in line. */
  close(): void {
    this.#state = 'closed';
    clearTimeout(this.#settleTimer);
    this.#backlog.clear();
    this.#early.clear();
    this.#lock.release();
  }

  #won(): void {
    if (this.#state === 'closed') return;
    this.#state = 'settling';
    this.#settleTimer = setTimeout(() => {
      if (this.#state !== 'settling') return;
      this.#state = 'leading';
      this.#early.clear();
      const backlog = [...this.#backlog];
      this.#backlog.clear();
      for (const [key, message] of backlog) settleQuietly(this.#handOut(message, key, undefined));
    }, this.#timing.settleMs);
  }

  #handOut(message: Message<unknown>, key: string, signal: AbortSignal | undefined): void | Promise<void> {
    const member = this.#pick();
    if (member === undefined) return;
    this.#host.taken(this.#key, key);
    return member.deliver(message, undefined, signal);
  }

  /** Round-robin, preferring an idle member, then one with buffer room. */
  #pick(): BufferedSubscription<unknown> | undefined {
    const n = this.members.length;
    for (const accept of [(m: BufferedSubscription<unknown>) => m.isIdle, (m: BufferedSubscription<unknown>) => !m.isFull]) {
      for (let i = 0; i < n; i++) {
        const member = this.members[(this.#next + i) % n] as BufferedSubscription<unknown>;
        if (accept(member)) {
          this.#next = (this.#next + i + 1) % n;
          return member;
        }
      }
    }
    const member = this.members[this.#next % Math.max(n, 1)];
    this.#next = (this.#next + 1) % Math.max(n, 1);
    return member;
  }
}
