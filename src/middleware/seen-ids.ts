/**
 * A bounded, expiring set of ids: the memory behind `dedup`.
 * @module
 */

/**
 * Remembers ids for `ttlMs`, at most `maxEntries` of them (the oldest go first). Lookups and inserts are
 * O(1) amortised: expiry and eviction only ever remove from the oldest end, because entries are kept in
 * insertion order and all share one TTL.
 */
export class SeenIds {
  readonly #expiries = new Map<string, number>();

  constructor(
    readonly maxEntries: number,
    readonly ttlMs: number,
    readonly now: () => number,
  ) {}

  get size(): number {
    return this.#expiries.size;
  }

  /** True when `id` was added less than `ttlMs` ago and not evicted since. */
  has(id: string): boolean {
    const expiry = this.#expiries.get(id);
    if (expiry === undefined) return false;
    if (expiry > this.now()) return true;
    this.#prune();
    return false;
  }

  /** Remembers `id` from now on. */
  add(id: string): void {
    this.#expiries.delete(id);
    this.#expiries.set(id, this.now() + this.ttlMs);
    this.#prune();
    if (this.#expiries.size > this.maxEntries) this.#expiries.delete(this.#expiries.keys().next().value as string);
  }

  #prune(): void {
    const now = this.now();
    for (const [id, expiry] of this.#expiries) {
      if (expiry > now) return;
      this.#expiries.delete(id);
    }
  }
}
