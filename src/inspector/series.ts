/**
 * Counts per time bucket over a sliding window, and samples of a value over time: the data behind every
 * chart of the inspector. Pure (the clock is passed in), so it is tested without a page.
 * @module
 */

/** Counts per bucket of `bucketMs` over the last `buckets` buckets. */
export class BucketSeries {
  readonly #counts: number[];
  readonly #bucketMs: number;
  /** The bucket index (time / bucketMs) of the last slot. */
  #head: number;
  total = 0;

  constructor(buckets: number, bucketMs: number, now: number) {
    this.#counts = new Array<number>(buckets).fill(0);
    this.#bucketMs = bucketMs;
    this.#head = Math.floor(now / bucketMs);
  }

  /** Moves the window so its last bucket holds `now`. */
  advance(now: number): void {
    const head = Math.floor(now / this.#bucketMs);
    const shift = Math.min(head - this.#head, this.#counts.length);
    if (shift <= 0) return;
    this.#counts.splice(0, shift);
    for (let i = 0; i < shift; i++) this.#counts.push(0);
    this.#head = head;
  }

  /** Counts one at `at` (ignored when older than the window). */
  add(at: number, count = 1): void {
    this.advance(at);
    const slot = this.#counts.length - 1 - (this.#head - Math.floor(at / this.#bucketMs));
    if (slot >= 0) this.#counts[slot] = (this.#counts[slot] as number) + count;
    this.total += count;
  }

  /** Oldest first. */
  counts(now: number): readonly number[] {
    this.advance(now);
    return this.#counts;
  }

  /** The count over the window. */
  inWindow(now: number): number {
    return this.counts(now).reduce((a, b) => a + b, 0);
  }
}

/** One sample of a value. */
export interface Sample<V> {
  readonly at: number;
  readonly value: V;
}

/** The samples of the last `windowMs` (plus the one before them: the value the window starts with). */
export class SampleSeries<V> {
  readonly #samples: Array<Sample<V>> = [];
  readonly #windowMs: number;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  add(at: number, value: V): void {
    this.#samples.push({ at, value });
    this.#trim(at);
  }

  get last(): Sample<V> | undefined {
    return this.#samples[this.#samples.length - 1];
  }

  /** Oldest first; the first may start before the window. */
  samples(now: number): ReadonlyArray<Sample<V>> {
    this.#trim(now);
    return this.#samples;
  }

  #trim(now: number): void {
    const start = now - this.#windowMs;
    while (this.#samples.length > 1 && (this.#samples[1] as Sample<V>).at <= start) this.#samples.shift();
    if (this.#samples.length > 10_000) this.#samples.splice(0, this.#samples.length - 10_000);
  }
}
