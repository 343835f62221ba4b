/**
 * What the inspector knows: tap events folded into counts per subject and per subscriber, outbox and
 * connection samples over time. Pure data; the views draw it.
 * @module
 */
import type { TapEvent } from '../core/wiretap.js';
import { BucketSeries, SampleSeries } from './series.js';

/** Subjects drawn one by one; the rest are summed under {@link OTHER_SUBJECTS}. */
export const MAX_SUBJECTS = 48;
/** The row that sums the subjects past {@link MAX_SUBJECTS}. */
export const OTHER_SUBJECTS = '(other subjects)';

/** What one subscriber (a pattern, with its queue group, on one bus) went through. */
export interface SubscriberCounts {
  readonly bus: string;
  readonly pattern: string;
  readonly queue: string | undefined;
  delivered: number;
  dropped: number;
  failed: number;
  settled: number;
  deadLettered: number;
  /** Drops per reason (`overflow`, `closed`, …). */
  readonly dropReasons: Map<string, number>;
}

/** The outbox figures drawn over time. */
export interface OutboxSample {
  readonly depth: number;
  readonly oldestAgeMs: number;
  readonly deadLetters: number;
  readonly relay: string;
}

/** The connection figures drawn over time. */
export interface ConnectionSample {
  readonly state: string;
  readonly rttMs: number | undefined;
}

/** Sizes of the windows the model keeps. */
export interface ModelTiming {
  readonly windowMs: number;
  readonly bucketMs: number;
}

/** Everything the inspector draws. */
export class FlowModel {
  readonly timing: ModelTiming;
  /** Published messages per subject (key `bus subject`). */
  readonly subjects = new Map<string, { readonly bus: string; readonly subject: string; readonly series: BucketSeries }>();
  readonly subscribers = new Map<string, SubscriberCounts>();
  readonly outbox: SampleSeries<OutboxSample>;
  readonly connection: SampleSeries<ConnectionSample>;
  /** Events seen, per kind. */
  readonly kinds = new Map<string, number>();

  constructor(timing: ModelTiming) {
    this.timing = timing;
    this.outbox = new SampleSeries(timing.windowMs);
    this.connection = new SampleSeries(timing.windowMs);
  }

  #series(bus: string, subject: string, at: number): BucketSeries {
    let key = `${bus} ${subject}`;
    let entry = this.subjects.get(key);
    if (entry === undefined && this.subjects.size >= MAX_SUBJECTS) {
      key = `${bus} ${OTHER_SUBJECTS}`;
      entry = this.subjects.get(key);
      subject = OTHER_SUBJECTS;
    }
    if (entry === undefined) {
      entry = { bus, subject, series: new BucketSeries(Math.ceil(this.timing.windowMs / this.timing.bucketMs), this.timing.bucketMs, at) };
      this.subjects.set(key, entry);
    }
    return entry.series;
  }

  #subscriber(bus: string, event: TapEvent): SubscriberCounts {
    const pattern = event.pattern ?? event.subject;
    const key = `${bus} ${pattern} ${event.queue ?? ''}`;
    let counts = this.subscribers.get(key);
    if (counts === undefined) {
      counts = { bus, pattern, queue: event.queue, delivered: 0, dropped: 0, failed: 0, settled: 0, deadLettered: 0, dropReasons: new Map() };
      this.subscribers.set(key, counts);
    }
    return counts;
  }

  /** Folds one tap event of the bus named `bus` in. */
  record(bus: string, event: TapEvent): void {
    this.kinds.set(event.kind, (this.kinds.get(event.kind) ?? 0) + 1);
    switch (event.kind) {
      case 'published':
        return this.#series(bus, event.subject, event.at).add(event.at);
      case 'delivered':
        this.#subscriber(bus, event).delivered++;
        return;
      case 'dropped': {
        const counts = this.#subscriber(bus, event);
        counts.dropped++;
        const reason = event.reason ?? 'unknown';
        counts.dropReasons.set(reason, (counts.dropReasons.get(reason) ?? 0) + 1);
        return;
      }
      case 'failed':
        // a failed publish has no pattern: it is the publisher's, counted on the subject's row
        if (event.pattern === undefined) return;
        this.#subscriber(bus, event).failed++;
        return;
      case 'dead-lettered':
        this.#subscriber(bus, event).deadLettered++;
        return;
      default:
        this.#subscriber(bus, event).settled++;
    }
  }

  /** The subjects by messages in the window, busiest first. */
  busiestSubjects(now: number, limit: number): Array<{ bus: string; subject: string; counts: readonly number[]; inWindow: number; total: number }> {
    return [...this.subjects.values()]
      .map(({ bus, subject, series }) => ({ bus, subject, counts: series.counts(now), inWindow: series.inWindow(now), total: series.total }))
      .sort((a, b) => b.inWindow - a.inWindow || b.total - a.total || a.subject.localeCompare(b.subject))
      .slice(0, limit);
  }
}
