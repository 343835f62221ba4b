/**
 * Presence across the tabs, iframes and workers of one origin, from Web Locks: no heartbeat. Each member
 * holds an exclusive lock whose name carries the namespace, its id and its metadata; `locks.query()` lists
 * them all; the browser releases a lock the moment its tab closes, crashes or is discarded, and every other
 * member waits on that lock in shared mode, so the leave is seen at once.
 * @module
 */
import { ClosedError, UnsupportedError } from '../core/errors.js';
import { holdLock, webLocks, type LockManagerLike } from '../core/locks.js';
import { PresenceBase } from './base.js';
import type { PresenceMeta } from './member.js';
import { resolvePresenceOptions, type PresenceBus, type PresenceOptions, type ResolvedPresenceOptions } from './options.js';
import { PresenceFrameError } from './errors.js';
import { PRESENCE_VERSION, decodeLockName, lockName, lockPrefix } from './wire.js';

/** `navigator.locks` as presence uses it: requests (shared mode too) and `query()`. */
export interface PresenceLockManager extends LockManagerLike {
  query(): Promise<{ held?: ReadonlyArray<{ name?: string | undefined }> }>;
}

/** Options of {@link joinTabs}. */
export interface TabPresenceOptions<M extends PresenceMeta = PresenceMeta> extends PresenceOptions<M> {
  /** The Web Locks to use; `navigator.locks` by default. */
  locks?: PresenceLockManager;
}

/**
 * Joins `namespace` across the tabs of this origin. `bus` (a broadcast bus, usually) only rings the
 * doorbell: a member that arrives publishes one frame, and the others look at the held locks. What a frame
 * says is never believed — the locks are the truth — so a forged frame can at most make members look.
 *
 * ```ts
 * const presence = await joinTabs(createBroadcastBus(), { namespace: 'room.42', meta: { name: 'Ada' } }).ready;
 * presence.onChange((c) => console.log(c.kind, c.member.meta['name']));
 * ```
 *
 * Throws `UnsupportedError` where the runtime has no Web Locks with `query()`.
 */
export function joinTabs<M extends PresenceMeta = PresenceMeta>(bus: PresenceBus, options: TabPresenceOptions<M>): TabPresence<M> {
  const locks = options.locks ?? (webLocks() as PresenceLockManager | undefined);
  if (typeof locks?.query !== 'function')
    throw new UnsupportedError('Presence across tabs needs Web Locks with navigator.locks.query() (browsers, Deno); use joinNetwork elsewhere.');
  return new TabPresence(bus, locks, resolvePresenceOptions(options), options.signal);
}

/** Presence of the tabs of one origin. Made by {@link joinTabs}. */
export class TabPresence<M extends PresenceMeta = PresenceMeta> extends PresenceBase<M> {
  readonly ready: Promise<this>;
  readonly #locks: PresenceLockManager;
  readonly #prefix: string;
  readonly #stop = new AbortController();
  readonly #watching = new Map<string, AbortController>();
  #refreshing: Promise<void> | undefined;
  #again = false;
  /** Malformed lock names already reported (reported once, not on every look). */
  readonly #reported = new Set<string>();
  readonly #release: () => void;

  constructor(bus: PresenceBus, locks: PresenceLockManager, options: ResolvedPresenceOptions<M>, signal: AbortSignal | undefined) {
    super(bus, options, signal);
    this.#locks = locks;
    this.#prefix = lockPrefix(options.namespace);
    const held = holdLock(locks, lockName(options.namespace, options.id, options.meta));
    this.#release = () => held.release();
    const doorbell = bus.subscribe(options.subject, () => this.#refresh(), { signal: this.#stop.signal, overflow: 'drop-oldest', bufferSize: 8 });
    this.ready = this.#start(held.granted, doorbell.ready);
    this.ready.catch(() => undefined);
  }

  async #start(granted: Promise<void>, subscribed: Promise<void>): Promise<this> {
    // a close while waiting for the lock cancels the wait, and the grant never comes: stop waiting then
    const closed = new Promise<void>((resolve) => this.#stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([Promise.all([granted, subscribed]), closed]);
    if (this.closed) throw new ClosedError('presence closed before it was ready');
    await this.#ring();
    await this.#refresh();
    return this;
  }

  /** Tells the other members to look at the locks now. */
  #ring(): Promise<void> {
    return this.bus.publish(this.options.subject, { v: PRESENCE_VERSION, id: this.self.id }).catch((error: unknown) => this.options.onError(error));
  }

  /** Reads the held locks and reports who came and went; at most one read runs, one more follows if rung meanwhile. */
  #refresh(): Promise<void> {
    if (this.#refreshing !== undefined) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        await this.#look();
      } while (this.#again && !this.closed);
      this.#refreshing = undefined;
    })();
    return this.#refreshing;
  }

  async #look(): Promise<void> {
    const snapshot = await this.#locks.query().catch((error: unknown) => (this.options.onError(error), undefined));
    if (snapshot === undefined || this.closed) return;
    const present = new Set<string>([this.self.id]);
    for (const { name } of snapshot.held ?? []) {
      if (typeof name !== 'string' || !name.startsWith(this.#prefix)) continue;
      const member = decodeLockName(this.#prefix, name);
      if (typeof member === 'string') {
        if (!this.#reported.has(name) && this.#reported.size < 256) this.options.onError(new PresenceFrameError(this.namespace, member));
        this.#reported.add(name);
        continue;
      }
      if (member.id === this.self.id || present.has(member.id)) continue;
      present.add(member.id);
      this.roster.add(member.id, member.meta as M);
      if (!this.#watching.has(member.id)) this.#watch(member.id, name);
    }
    // a lock gone without its watcher firing yet (the watcher will find nothing to remove)
    for (const member of this.roster.list()) if (!present.has(member.id)) this.#gone(member.id);
  }

  /** Waits in shared mode on the member's lock: granted the moment its holder releases it or dies. */
  #watch(id: string, name: string): void {
    const controller = new AbortController();
    this.#watching.set(id, controller);
    this.#locks
      .request(name, { mode: 'shared', signal: controller.signal }, () => {
        if (!controller.signal.aborted) this.#gone(id);
      })
      .catch(() => undefined);
  }

  #gone(id: string): void {
    this.#watching.get(id)?.abort();
    this.#watching.delete(id);
    if (!this.closed) this.roster.remove(id, 'closed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.#stop.abort();
    for (const controller of this.#watching.values()) controller.abort();
    this.#watching.clear();
    this.#release();
    this.roster.clear();
    await this.#ring();
  }
}
