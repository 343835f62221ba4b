/**
 * Presence and interest: which other buses (tabs, iframes, workers) share the namespace and which
 * patterns each one subscribes to. This is what lets a request fail fast with `no_responders` across tabs,
 * and what a subscription's `ready` waits for.
 * @module
 */
import { SubjectTrie } from '../core/subject-trie.js';
import type { LockManagerLike } from '../core/locks.js';

interface Peer {
  readonly patterns: Set<string>;
  /** Stops watching the peer's presence lock; undefined when it is not watched. */
  unwatch: (() => void) | undefined;
}

interface Announcement {
  readonly waiting: Set<string>;
  readonly done: () => void;
}

/**
 * The table of live peers and their interest. A peer enters on its first control item (hello, sub, unsub,
 * ack; each sent only once it holds its presence lock). With Web Locks it leaves only when its presence lock
 * is released: a tab that crashes or closes is forgotten at once, and a goodbye frame, which any script on
 * the channel can forge with a live tab's id, is not believed. Without locks (or where the runtime refuses
 * them) the goodbye is all there is; the real tab then sees the forged frame and re-announces itself.
 */
export class Peers {
  readonly #remote = new SubjectTrie<string>();
  readonly #peers = new Map<string, Peer>();
  readonly #announcements = new Map<number, Announcement>();
  /** Waiters of {@link waitFor}: the check to run on every new peer, and how to fail it at close. */
  readonly #countWaiters = new Map<() => void, (error: unknown) => void>();
  readonly #locks: LockManagerLike | undefined;
  readonly #lockName: (peer: string) => string;
  readonly #readyTimeoutMs: number;

  constructor(locks: LockManagerLike | undefined, lockName: (peer: string) => string, readyTimeoutMs: number) {
    this.#locks = locks;
    this.#lockName = lockName;
    this.#readyTimeoutMs = readyTimeoutMs;
  }

  /** Ids of the peers known now. */
  get ids(): string[] {
    return [...this.#peers.keys()];
  }

  get size(): number {
    return this.#peers.size;
  }

  /** True when some peer subscribes to a pattern matching the literal `subject`. */
  interested(subject: string): boolean {
    return this.#remote.match(subject).length > 0;
  }

  /** The peers subscribing to a pattern matching the literal `subject`: who may answer a request on it. */
  responders(subject: string): ReadonlySet<string> {
    return new Set(this.#remote.match(subject));
  }

  #touch(id: string): Peer {
    let peer = this.#peers.get(id);
    if (peer === undefined) {
      this.#peers.set(id, (peer = { patterns: new Set(), unwatch: undefined }));
      if (this.#locks !== undefined) peer.unwatch = this.#watch(this.#locks, id, peer);
      for (const check of [...this.#countWaiters.keys()]) check();
    }
    return peer;
  }

  /**
   * Forgets `peer` once its presence lock is free (it closed, crashed, or never held it: an id a rogue
   * script made up is forgotten at once). A refusal (opaque origin) leaves it unwatched: goodbyes count then.
   */
  #watch(locks: LockManagerLike, id: string, peer: Peer): () => void {
    const controller = new AbortController();
    locks
      .request(this.#lockName(id), { signal: controller.signal }, () => (controller.signal.aborted ? undefined : this.forget(id)))
      .catch(() => {
        if (!controller.signal.aborted) peer.unwatch = undefined;
      });
    return () => controller.abort();
  }

  /**
   * A goodbye claiming to come from `id`. Believed only when nothing better tells liveness: a watched peer
   * leaves when its lock is released (a real goodbye is followed by that within milliseconds).
   */
  bye(id: string): void {
    if (this.#peers.get(id)?.unwatch === undefined) this.forget(id);
  }

  /** A peer announced itself with its whole interest (replacing what was known). */
  hello(id: string, patterns: readonly string[]): void {
    const peer = this.#touch(id);
    for (const pattern of peer.patterns) this.#remote.remove(pattern, id);
    peer.patterns.clear();
    for (const pattern of patterns) this.sub(id, pattern);
  }

  sub(id: string, pattern: string): void {
    const peer = this.#touch(id);
    if (peer.patterns.has(pattern)) return;
    peer.patterns.add(pattern);
    this.#remote.insert(pattern, id);
  }

  unsub(id: string, pattern: string): void {
    const peer = this.#touch(id);
    if (peer.patterns.delete(pattern)) this.#remote.remove(pattern, id);
  }

  /** The peer is gone: its interest no longer counts and nobody waits for its acks. */
  forget(id: string): void {
    const peer = this.#peers.get(id);
    if (peer === undefined) return;
    this.#peers.delete(id);
    peer.unwatch?.();
    for (const pattern of peer.patterns) this.#remote.remove(pattern, id);
    for (const announcement of [...this.#announcements.values()]) this.#acked(announcement, id);
  }

  /**
   * Resolves once every peer known now has acknowledged announcement `token`, has gone, or `readyTimeoutMs`
   * passed (a frozen tab must not hold a subscription's `ready` forever).
   */
  expectAcks(token: number): Promise<void> {
    if (this.#peers.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), this.#readyTimeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#announcements.delete(token);
        resolve();
      };
      this.#announcements.set(token, { waiting: new Set(this.#peers.keys()), done });
    });
  }

  /** `id` recorded our announcement `token`. */
  ack(id: string, token: number): void {
    this.#touch(id);
    const announcement = this.#announcements.get(token);
    if (announcement !== undefined) this.#acked(announcement, id);
  }

  #acked(announcement: Announcement, id: string): void {
    if (announcement.waiting.delete(id) && announcement.waiting.size === 0) announcement.done();
  }

  /** Resolves once at least `count` peers are known; rejects with `signal`'s reason. */
  waitFor(count: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.#peers.size < count) return;
        this.#countWaiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const fail = (error: unknown): void => {
        this.#countWaiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      const onAbort = (): void => fail(signal?.reason);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#countWaiters.set(check, fail);
      check();
    });
  }

  /** Stops watching every peer, resolves pending announcements and fails `waitFor` callers with `error`. */
  close(error: Error): void {
    for (const id of [...this.#peers.keys()]) this.forget(id);
    for (const announcement of [...this.#announcements.values()]) announcement.done();
    for (const fail of [...this.#countWaiters.values()]) fail(error);
  }
}
