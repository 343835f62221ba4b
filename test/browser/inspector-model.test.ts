/** The inspector's data: counts per time bucket slide with the clock; tap events fold into per-subject and per-subscriber figures. */
import { describe, expect, it } from 'vitest';
import { BucketSeries, FlowModel, MAX_SUBJECTS, OTHER_SUBJECTS, SampleSeries } from '../../src/inspector/index.js';
import type { TapEvent } from '../../src/core/wiretap.js';

const event = (kind: TapEvent['kind'], subject: string, at: number, extra: Partial<TapEvent> = {}): TapEvent => ({
  kind,
  system: 'memory',
  subject,
  id: undefined,
  at,
  ...extra,
});

describe('BucketSeries', () => {
  it('counts per bucket and slides the window with time', () => {
    const s = new BucketSeries(3, 1000, 10_000);
    s.add(10_100);
    s.add(10_900, 2);
    expect(s.counts(10_999)).toEqual([0, 0, 3]);
    s.add(11_000);
    expect(s.counts(11_500)).toEqual([0, 3, 1]);
    expect(s.counts(13_000)).toEqual([1, 0, 0]);
    expect(s.counts(60_000)).toEqual([0, 0, 0]);
    expect(s.total).toBe(4);
  });

  it('ignores a count older than the window but keeps it in the total', () => {
    const s = new BucketSeries(2, 1000, 5000);
    s.add(9000);
    s.add(1000);
    expect(s.counts(9000)).toEqual([0, 1]);
    expect(s.total).toBe(2);
  });
});

describe('SampleSeries', () => {
  it('keeps the window and the one sample before it (the value the window starts with)', () => {
    const s = new SampleSeries<number>(1000);
    for (const at of [0, 100, 500, 1600, 1700]) s.add(at, at);
    expect(s.samples(1700).map((x) => x.at)).toEqual([500, 1600, 1700]);
    expect(s.last?.value).toBe(1700);
  });
});

describe('FlowModel', () => {
  it('counts published per subject, and delivered, dropped (by reason), failed, settled per subscriber', () => {
    const m = new FlowModel({ windowMs: 10_000, bucketMs: 1000 });
    const t = 50_000;
    for (let i = 0; i < 5; i++) m.record('app', event('published', 'orders.created', t + i));
    m.record('app', event('published', 'orders.paid', t));
    m.record('app', event('delivered', 'orders.created', t, { pattern: 'orders.*', queue: 'w' }));
    m.record('app', event('dropped', 'orders.created', t, { pattern: 'orders.*', queue: 'w', reason: 'overflow' }));
    m.record('app', event('dropped', 'orders.created', t, { pattern: 'orders.*', queue: 'w', reason: 'overflow' }));
    m.record('app', event('failed', 'orders.created', t, { pattern: 'orders.*', queue: 'w' }));
    m.record('app', event('failed', 'orders.created', t)); // a failed publish: no subscriber row
    m.record('app', event('acked', 'orders.created', t, { pattern: 'orders.*', queue: 'w' }));
    const busiest = m.busiestSubjects(t + 10, 5);
    expect(busiest.map((r) => [r.subject, r.inWindow])).toEqual([
      ['orders.created', 5],
      ['orders.paid', 1],
    ]);
    expect([...m.subscribers.values()]).toEqual([
      expect.objectContaining({
        bus: 'app',
        pattern: 'orders.*',
        queue: 'w',
        delivered: 1,
        dropped: 2,
        failed: 1,
        settled: 1,
        dropReasons: new Map([['overflow', 2]]),
      }),
    ]);
    expect(m.kinds.get('failed')).toBe(2);
  });

  it('sums the subjects past its limit in one row, so a flood of unique subjects cannot grow it', () => {
    const m = new FlowModel({ windowMs: 10_000, bucketMs: 1000 });
    for (let i = 0; i < MAX_SUBJECTS + 100; i++) m.record('app', event('published', `s.${i}`, 1000));
    expect(m.subjects.size).toBe(MAX_SUBJECTS + 1);
    expect(m.busiestSubjects(1000, 1)[0]).toMatchObject({ subject: OTHER_SUBJECTS, inWindow: 100 });
  });
});
