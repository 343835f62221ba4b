/**
 * The inspector's pictures over time: outbox depth and oldest age, and connection state. Drawn whole from
 * the model on every refresh, with the current figures in `data-*` attributes.
 * @module
 */
import type { ConnectionSample, FlowModel, OutboxSample } from './model.js';
import { WIDTH, empty, label, section, stepPath, svg } from './svg.js';

/** Outbox depth (area) and oldest age (line) over the window. */
export function outboxView(model: FlowModel, now: number): HTMLElement {
  const samples = model.outbox.samples(now);
  const last = samples[samples.length - 1]?.value;
  if (last === undefined) return section('outbox', 'Outbox', empty('No outbox watched.'));
  return section('outbox', 'Outbox: depth and oldest age', timeChart(model, now, samples, last));
}

function timeChart(model: FlowModel, now: number, samples: ReadonlyArray<{ at: number; value: OutboxSample }>, last: OutboxSample): SVGElement {
  const h = 80;
  const from = now - model.timing.windowMs;
  const maxDepth = Math.max(1, ...samples.map((s) => s.value.depth));
  const maxAge = Math.max(1000, ...samples.map((s) => s.value.oldestAgeMs));
  const x = 8;
  const w = WIDTH - 16;
  const depth = stepPath(
    samples.map((s) => ({ at: s.at, value: s.value.depth })),
    from,
    now,
    x,
    4,
    w,
    h,
    maxDepth,
  );
  const age = stepPath(
    samples.map((s) => ({ at: s.at, value: s.value.oldestAgeMs })),
    from,
    now,
    x,
    4,
    w,
    h,
    maxAge,
  );
  return svg(
    'svg',
    {
      width: WIDTH,
      height: h + 30,
      viewBox: `0 0 ${WIDTH} ${h + 30}`,
      role: 'img',
      'aria-label': 'outbox depth and oldest age',
      'data-depth': last.depth,
      'data-oldest-age-ms': Math.round(last.oldestAgeMs),
      'data-dead-letters': last.deadLetters,
      'data-relay': last.relay,
    },
    svg('rect', { class: 'if-track', x, y: 4, width: w, height: h }),
    svg('path', { class: 'if-depth', d: depth === '' ? undefined : `${depth} V${4 + h} H${x} Z` }),
    svg('path', { class: 'if-age', d: age === '' ? undefined : age }),
    label(
      x,
      h + 24,
      `depth ${last.depth} (max ${maxDepth})  ·  oldest ${(last.oldestAgeMs / 1000).toFixed(1)} s  ·  dead letters ${last.deadLetters}  ·  relay ${last.relay}`,
      { class: 'if-figure' },
      100,
    ),
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

function stateBand(model: FlowModel, now: number, samples: ReadonlyArray<{ at: number; value: ConnectionSample }>, last: ConnectionSample): SVGElement {
  const from = now - model.timing.windowMs;
  const x = 8;
  const w = WIDTH - 16;
  const px = (at: number): number => x + ((Math.max(at, from) - from) / model.timing.windowMs) * w;
  const band = svg('g', { class: 'if-band' });
  samples.forEach((sample, i) => {
    const end = samples[i + 1]?.at ?? now;
    const state = STATES.includes(sample.value.state) ? sample.value.state : 'unknown';
    band.append(
      svg(
        'rect',
        {
          class: `if-state-${state}`,
          'data-state': sample.value.state,
          x: px(sample.at).toFixed(1),
          y: 4,
          width: Math.max(1, px(end) - px(sample.at)).toFixed(1),
          height: 24,
        },
        svg('title', {}, sample.value.state),
      ),
    );
  });
  const changes = samples.filter((s) => s.at >= from).length;
  return svg(
    'svg',
    {
      width: WIDTH,
      height: 54,
      viewBox: `0 0 ${WIDTH} 54`,
      role: 'img',
      'aria-label': 'connection state over time',
      'data-state': last.state,
      'data-changes': changes,
      'data-rtt-ms': last.rttMs,
    },
    band,
    label(
      x,
      46,
      `now ${last.state}${last.rttMs === undefined ? '' : `  ·  rtt ${last.rttMs.toFixed(0)} ms`}  ·  ${changes} change${changes === 1 ? '' : 's'} in the window`,
      { class: 'if-figure' },
      100,
    ),
  );
}
