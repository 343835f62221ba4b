/**
 * The inspector's pictures over time: outbox depth and oldest age, and connection state. Drawn whole from
 * the model on every refresh, with the current figures in `data-*` attributes.
 * @module
 */
import type { ConnectionSample, FlowModel, OutboxSample } from './model.js';
import { WIDTH, empty, label, section, stepPath, svg } from './svg.js';

const X = 8;
const W = WIDTH - 16;

/** "−60 s" at the left edge and "now" at the right, under a chart whose bottom is at `y`. */
function timeAxis(model: FlowModel, y: number): SVGElement {
  return svg(
    'g',
    { class: 'if-axis' },
    label(X, y, `−${Math.round(model.timing.windowMs / 1000)} s`, { class: 'if-muted' }),
    label(X + W, y, 'now', { class: 'if-muted', 'text-anchor': 'end' }),
  );
}

/** A small coloured square and its words. */
function key(x: number, y: number, cls: string, text: string): SVGElement {
  return svg('g', {}, svg('rect', { class: cls, x, y: y - 9, width: 10, height: 10, rx: 2 }), label(x + 14, y, text, { class: 'if-muted' }));
}

/** Outbox depth (area) and oldest age (line) over the window. */
export function outboxView(model: FlowModel, now: number): HTMLElement {
  const samples = model.outbox.samples(now);
  const last = samples[samples.length - 1]?.value;
  if (last === undefined) return section('outbox', 'Outbox', empty('No outbox watched.'));
  return section('outbox', 'Outbox: depth and oldest age', timeChart(model, now, samples, last));
}

function timeChart(model: FlowModel, now: number, samples: ReadonlyArray<{ at: number; value: OutboxSample }>, last: OutboxSample): SVGElement {
  const h = 70;
  const from = now - model.timing.windowMs;
  const maxDepth = Math.max(1, ...samples.map((s) => s.value.depth));
  const maxAge = Math.max(1000, ...samples.map((s) => s.value.oldestAgeMs));
  const line = (value: (s: OutboxSample) => number, max: number): string =>
    stepPath(
      samples.map((s) => ({ at: s.at, value: value(s.value) })),
      from,
      now,
      X,
      4,
      W,
      h,
      max,
    );
  const depth = line((s) => s.depth, maxDepth);
  const age = line((s) => s.oldestAgeMs, maxAge);
  const figures = `now: depth ${last.depth} · oldest ${(last.oldestAgeMs / 1000).toFixed(1)} s · dead letters ${last.deadLetters} · relay ${last.relay}`;
  return svg(
    'svg',
    {
      width: WIDTH,
      height: h + 40,
      viewBox: `0 0 ${WIDTH} ${h + 40}`,
      role: 'img',
      'aria-label': 'outbox depth and oldest age',
      'data-depth': last.depth,
      'data-oldest-age-ms': Math.round(last.oldestAgeMs),
      'data-dead-letters': last.deadLetters,
      'data-relay': last.relay,
    },
    svg('rect', { class: 'if-track', x: X, y: 4, width: W, height: h }),
    svg('path', { class: 'if-depth', d: depth === '' ? undefined : `${depth} V${4 + h} H${X} Z` }),
    svg('path', { class: 'if-age', d: age === '' ? undefined : age }),
    timeAxis(model, h + 18),
    key(X, h + 36, 'if-key-depth', `depth (top = ${maxDepth})`),
    key(X + 150, h + 36, 'if-key-age', `oldest age (top = ${(maxAge / 1000).toFixed(1)} s)`),
    label(X + W, h + 36, figures, { class: 'if-figure', 'text-anchor': 'end' }, 90),
  );
}

const STATES = ['connected', 'connecting', 'reconnecting', 'offline', 'closed'];

/** Connection state over the window: a coloured band per state, and the round trip. */
export function connectionView(model: FlowModel, now: number): HTMLElement {
  const samples = model.connection.samples(now);
  const last = samples[samples.length - 1]?.value;
  if (last === undefined) return section('connection', 'Connection', empty('No connection watched.'));
  return section('connection', 'Connection state over time', stateBand(model, now, samples, last));
}

/** The samples merged into runs of one state (a round-trip update is not a change). */
function runs(samples: ReadonlyArray<{ at: number; value: ConnectionSample }>): Array<{ at: number; state: string }> {
  const out: Array<{ at: number; state: string }> = [];
  for (const sample of samples) if (out[out.length - 1]?.state !== sample.value.state) out.push({ at: sample.at, state: sample.value.state });
  return out;
}

function stateBand(model: FlowModel, now: number, samples: ReadonlyArray<{ at: number; value: ConnectionSample }>, last: ConnectionSample): SVGElement {
  const from = now - model.timing.windowMs;
  const px = (at: number): number => X + ((Math.max(at, from) - from) / model.timing.windowMs) * W;
  const band = svg('g', { class: 'if-band' });
  const states = runs(samples);
  states.forEach((run, i) => {
    const end = states[i + 1]?.at ?? now;
    const state = STATES.includes(run.state) ? run.state : 'unknown';
    const width = Math.max(1, px(end) - px(run.at)).toFixed(1);
    band.append(
      svg('rect', { class: `if-state-${state}`, 'data-state': run.state, x: px(run.at).toFixed(1), y: 4, width, height: 22 }, svg('title', {}, run.state)),
    );
  });
  const changes = states.filter((s) => s.at >= from).length;
  const rtt = last.rttMs === undefined ? '' : ` · rtt ${last.rttMs.toFixed(0)} ms`;
  return svg(
    'svg',
    {
      width: WIDTH,
      height: 66,
      viewBox: `0 0 ${WIDTH} 66`,
      role: 'img',
      'aria-label': 'connection state over time',
      'data-state': last.state,
      'data-changes': changes,
      'data-rtt-ms': last.rttMs,
    },
    svg('rect', { class: 'if-track', x: X, y: 4, width: W, height: 22 }),
    band,
    timeAxis(model, 40),
    ...STATES.map((state, i) => key(X + i * 100, 60, `if-state-${state}`, state)),
    label(X + W, 60, `now ${last.state}${rtt} · ${changes} state${changes === 1 ? '' : 's'} in the window`, { class: 'if-figure', 'text-anchor': 'end' }, 70),
  );
}
