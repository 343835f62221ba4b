/**
 * The inspector's pictures, one function per section, each drawn whole from the model on every refresh:
 * messages per subject over time, subscribers' buffer fill and drops, queue-group leaders per tab, outbox
 * depth and oldest age, connection state over time. Every drawn row carries `data-*` attributes with the
 * figures it shows, so tests (and curious users) read the numbers, not the pixels.
 * @module
 */
import type { SubscriptionStats } from '../core/interfaces.js';
import type { QueueLeader } from './leaders.js';
import type { FlowModel } from './model.js';
import { LABEL_W, ROW, WIDTH, bars, empty, label, rowsChart, section, svg } from './svg.js';

/** A subscription whose buffer the inspector shows. */
export interface WatchedSubscription {
  /** The bus it belongs to (the name given with the bus). */
  readonly bus: string;
  /** Its label (default: its pattern); tells apart subscriptions of one pattern. */
  readonly name?: string | undefined;
  readonly subscription: { readonly pattern: string; readonly stats: SubscriptionStats; readonly isClosed: boolean };
  readonly queue?: string | undefined;
  /** Its `bufferSize` (default 1024, the core's default). */
  readonly bufferSize?: number | undefined;
}

/** Messages per subject over the window: a row of bars per subject, busiest first. */
export function subjectsView(model: FlowModel, now: number, limit = 12): HTMLElement {
  const rows = model.busiestSubjects(now, limit);
  const seconds = Math.round(model.timing.windowMs / 1000);
  if (rows.length === 0) return section('subjects', `Messages per subject (last ${seconds} s)`, empty('Nothing published yet.'));
  const max = Math.max(1, ...rows.flatMap((r) => r.counts));
  const chartW = WIDTH - LABEL_W - 70;
  const chart = rowsChart(rows.length, 'messages per subject over time');
  rows.forEach((row, i) => {
    const y = i * ROW + 2;
    chart.append(
      svg(
        'g',
        { class: 'if-row', 'data-bus': row.bus, 'data-subject': row.subject, 'data-in-window': row.inWindow, 'data-total': row.total },
        label(4, y + 15, `${row.bus} · ${row.subject}`),
        svg('rect', { class: 'if-track', x: LABEL_W, y, width: chartW, height: ROW - 4 }),
        bars(row.counts, LABEL_W, y, chartW, ROW - 4, max, 'if-bars'),
        label(WIDTH - 64, y + 15, `${row.inWindow}`, { class: 'if-figure' }),
      ),
    );
  });
  return section('subjects', `Messages per subject (last ${seconds} s, ${Math.round(model.timing.bucketMs)} ms per bar; tallest = ${max})`, chart);
}

interface SubscriberRow {
  bus: string;
  pattern: string;
  queue: string | undefined;
  delivered: number;
  dropped: number;
  failed: number;
  pending: number | undefined;
  bufferSize: number | undefined;
  reasons: string;
  closed: boolean;
}

function subscriberRows(model: FlowModel, watched: readonly WatchedSubscription[]): SubscriberRow[] {
  const rows = new Map<string, SubscriberRow>();
  for (const counts of model.subscribers.values()) {
    rows.set(`${counts.bus} ${counts.pattern} ${counts.queue ?? ''}`, {
      bus: counts.bus,
      pattern: counts.pattern,
      queue: counts.queue,
      delivered: counts.delivered,
      dropped: counts.dropped,
      failed: counts.failed,
      pending: undefined,
      bufferSize: undefined,
      reasons: [...counts.dropReasons].map(([reason, n]) => `${reason} ${n}`).join(', '),
      closed: false,
    });
  }
  for (const w of watched) {
    const key = `${w.bus} ${w.name ?? w.subscription.pattern} ${w.queue ?? ''}`;
    const { stats } = w.subscription;
    const known = rows.get(key);
    rows.set(key, {
      bus: w.bus,
      pattern: w.name ?? w.subscription.pattern,
      queue: w.queue,
      delivered: stats.delivered,
      dropped: stats.dropped,
      failed: stats.failed,
      pending: stats.pending,
      bufferSize: w.bufferSize ?? 1024,
      reasons: known?.reasons ?? '',
      closed: w.subscription.isClosed,
    });
  }
  return [...rows.values()];
}

/**
 * `3/8 · peak 8+162`: the fill now and its peak. A subscription's `pending` counts blocked publishers too
 * (the `block` policy): what is above the buffer's size is written `+N` (N publishers waiting), and said in
 * words in the tooltip ({@link fillNote}).
 */
function fillText(pending: number, size: number, peak: number): string {
  const part = (n: number): string => (n > size ? `${size}+${n - size}` : String(n));
  const now = pending > size ? `${size}+${pending - size}/${size}` : `${pending}/${size}`;
  return peak === 0 ? now : `${now} · peak ${part(peak)}`;
}

/** The fill in words, for the row's tooltip. */
function fillNote(pending: number, size: number, peak: number): string {
  const waiting = (n: number): string => (n > size ? `the buffer full and ${n - size} publishers waiting (block)` : `${n} of ${size} buffered`);
  return `now ${waiting(pending)}; peak ${waiting(peak)}`;
}

/**
 * Each subscriber: its buffer fill (when its subscription is watched) with the peak seen (a tick: bursts
 * come and go between two refreshes), delivered, dropped (why), failed. `peaks` keeps the peaks by row.
 */
export function subscribersView(model: FlowModel, watched: readonly WatchedSubscription[], peaks: Map<string, number>): HTMLElement {
  const rows = subscriberRows(model, watched);
  if (rows.length === 0) return section('subscribers', 'Subscribers', empty('No deliveries yet.'));
  const barW = 150;
  const chart = rowsChart(rows.length, 'subscriber buffers and drops');
  rows.forEach((row, i) => {
    const y = i * ROW + 2;
    const fill = row.pending === undefined || row.bufferSize === undefined ? undefined : Math.min(1, row.pending / Math.max(1, row.bufferSize));
    const hot = fill !== undefined && fill >= 0.8 ? ' if-hot' : '';
    const key = `${row.bus} ${row.pattern} ${row.queue ?? ''}`;
    const peak = Math.max(peaks.get(key) ?? 0, row.pending ?? 0);
    peaks.set(key, peak);
    const peakX = row.bufferSize === undefined ? undefined : LABEL_W + Math.min(1, peak / Math.max(1, row.bufferSize)) * barW;
    chart.append(
      svg(
        'g',
        {
          class: `if-row${row.closed ? ' if-closed' : ''}`,
          'data-bus': row.bus,
          'data-pattern': row.pattern,
          'data-queue': row.queue,
          'data-delivered': row.delivered,
          'data-dropped': row.dropped,
          'data-failed': row.failed,
          'data-pending': row.pending,
          'data-buffer-size': row.bufferSize,
          'data-peak': row.pending === undefined ? undefined : peak,
        },
        label(4, y + 15, `${row.bus} · ${row.pattern}${row.queue === undefined ? '' : ` [${row.queue}]`}`, {}, 40),
        svg('rect', { class: 'if-track', x: LABEL_W, y, width: barW, height: ROW - 4 }),
        ...(fill === undefined
          ? [label(LABEL_W + 6, y + 15, 'buffer not watched', { class: 'if-muted' })]
          : [
              svg('rect', { class: `if-fill${hot}`, x: LABEL_W, y, width: (fill * barW).toFixed(1), height: ROW - 4 }),
              ...(peak > 0 && peakX !== undefined
                ? [svg('line', { class: 'if-peak', x1: peakX.toFixed(1), x2: peakX.toFixed(1), y1: y - 1, y2: y + ROW - 3 }, svg('title', {}, `peak ${peak}`))]
                : []),
              label(LABEL_W + 6, y + 15, fillText(row.pending ?? 0, row.bufferSize ?? 0, peak), { class: 'if-figure' }, 24),
              svg('title', {}, fillNote(row.pending ?? 0, row.bufferSize ?? 0, peak)),
            ]),
        label(
          LABEL_W + barW + 10,
          y + 15,
          `✓ ${row.delivered}  ✗ ${row.dropped}${row.reasons === '' ? '' : ` (${row.reasons})`}  ! ${row.failed}`,
          { class: row.dropped > 0 ? 'if-warn' : 'if-figure' },
          60,
        ),
      ),
    );
  });
  return section('subscribers', 'Subscribers: buffer fill, ✓ delivered, ✗ dropped, ! failed', chart);
}

/** Cross-tab queue groups: which tab leads each, how many wait. */
export function leadersView(leaders: readonly QueueLeader[], localIds: ReadonlySet<string>): HTMLElement {
  if (leaders.length === 0) return section('leaders', 'Queue-group leaders per tab', empty('No cross-tab queue group.'));
  const chart = rowsChart(leaders.length, 'queue-group leaders');
  leaders.forEach((leader, i) => {
    const y = i * ROW + 2;
    const here = localIds.has(leader.leader);
    chart.append(
      svg(
        'g',
        {
          class: 'if-row',
          'data-queue': leader.queue,
          'data-pattern': leader.pattern,
          'data-namespace': leader.namespace,
          'data-leader': leader.leader,
          'data-standby': leader.standby,
          'data-here': here ? 'true' : 'false',
        },
        label(4, y + 15, `${leader.queue} on ${leader.pattern}`, {}, 40),
        svg('circle', { class: here ? 'if-dot if-here' : 'if-dot', cx: LABEL_W + 8, cy: y + 9, r: 6 }),
        label(LABEL_W + 20, y + 15, `tab ${leader.leader}${here ? ' (this tab)' : ''}`, { class: 'if-figure' }, 48),
        label(WIDTH - 4, y + 15, `${leader.standby} on standby · ${leader.namespace}`, { class: 'if-muted', 'text-anchor': 'end' }, 40),
      ),
    );
  });
  return section('leaders', 'Queue-group leaders per tab', chart);
}
