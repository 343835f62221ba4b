/**
 * Turns the scenario results children send back into the `results/latest.json` entries and the tables
 * `npm run bench` prints. Every ratio is paired: round r of isoflux against round r of the other
 * contestant (both measured in that round, order alternating), and the figure is the median of those
 * per-round ratios with their min–max and interquartile range. A ratio above 1 always means isoflux (or the
 * contestant a target names) is better: a / b for msg/s, b / a for lower-is-better units (ms, B/sub, µs/msg).
 * @module
 */

const LOWER_IS_BETTER = new Set(['ms', 'B/sub', 'µs/msg']);
export const lowerIsBetter = (unit) => LOWER_IS_BETTER.has(unit);

/** Linear-interpolated quantile of `values` (q in 0..1). */
export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
export const median = (values) => quantile(values, 0.5);

/** Three significant digits is all a benchmark figure carries; integers stay integers above 1000. */
export function sig(x) {
  if (!Number.isFinite(x)) return x;
  if (Math.abs(x) >= 1000) return Math.round(x);
  return Number(x.toPrecision(4));
}

/** median, min, max, quartiles and half the min–max range relative to the median. */
export function spreadOf(values) {
  const m = median(values);
  return {
    min: sig(Math.min(...values)),
    max: sig(Math.max(...values)),
    q1: sig(quantile(values, 0.25)),
    q3: sig(quantile(values, 0.75)),
    relative: m === 0 ? 0 : Number(((Math.max(...values) - Math.min(...values)) / 2 / Math.abs(m)).toFixed(3)),
  };
}

const round3 = (x) => Math.round(x * 1000) / 1000;

/** Paired per-round ratios of `a` over `b` (better-is-above-1 in `unit`): median, min, max, quartiles, every round. */
export function pairedRatio(a, b, unit) {
  const n = Math.min(a.length, b.length);
  const rounds = [];
  for (let r = 0; r < n; r++) rounds.push(lowerIsBetter(unit) ? b[r] / a[r] : a[r] / b[r]);
  return {
    median: round3(median(rounds)),
    min: round3(Math.min(...rounds)),
    max: round3(Math.max(...rounds)),
    q1: round3(quantile(rounds, 0.25)),
    q3: round3(quantile(rounds, 0.75)),
    rounds: rounds.map(round3),
  };
}

/** The per-round series of one metric of one contestant. */
function series(contestant, metric) {
  if (metric === 'cpuUsPerOp') return contestant.cpuUsPerOp;
  if (metric === 'p99') return contestant.p99;
  return contestant.rounds;
}
const unitOf = (metric, unit) => (metric === 'cpuUsPerOp' ? 'µs/msg' : unit);

/** The headline figure of one metric: pooled percentiles for latency, else the median of the rounds. */
function headline(contestant, metric) {
  if (contestant.pooled !== undefined) return metric === 'p99' ? contestant.pooled.p99 : contestant.pooled.p50;
  return median(series(contestant, metric));
}

function describeCondition(c, unit) {
  const who = c.contestant ?? 'isoflux';
  const m = c.metric === 'cpuUsPerOp' ? ' (client CPU per message)' : c.metric === 'p99' ? ' (p99)' : '';
  if (c.minRatio !== undefined) return `${who} ≥ ${c.minRatio}x ${c.peer}${m}`;
  if (c.maxDiff !== undefined) return `${who}${m} ≤ ${c.peer} + ${c.maxDiff} ${unitOf(c.metric, unit)}`;
  if (c.maxValue !== undefined) return `${who}${m} ≤ ${c.maxValue} ${unitOf(c.metric, unit)}`;
  return `${who}${m} ≥ ${c.minValue} ${unitOf(c.metric, unit)}`;
}

/** Judges one target condition on the paired rounds. */
function judge(condition, contestants, unit) {
  const find = (name) => contestants.find((c) => c.name === name);
  const self = find(condition.contestant ?? 'isoflux');
  const peer = condition.peer === undefined ? undefined : find(condition.peer);
  const metric = condition.metric ?? 'value';
  const text = describeCondition(condition, unit);
  if (self === undefined || (condition.peer !== undefined && peer === undefined)) return { ...condition, text, actual: null, met: null, why: 'contestant not measured in this run' };
  const u = unitOf(metric, unit);
  if (condition.minRatio !== undefined) {
    const ratio = pairedRatio(series(self, metric), series(peer, metric), u);
    return { ...condition, text, actual: ratio.median, range: [ratio.min, ratio.max], met: ratio.median >= condition.minRatio };
  }
  if (condition.maxDiff !== undefined) {
    const a = series(self, metric);
    const b = series(peer, metric);
    const diffs = a.map((x, r) => x - b[r]);
    const actual = sig(median(diffs));
    return { ...condition, text, actual, range: [sig(Math.min(...diffs)), sig(Math.max(...diffs))], met: actual <= condition.maxDiff };
  }
  const actual = sig(headline(self, metric));
  return { ...condition, text, actual, met: condition.maxValue !== undefined ? actual <= condition.maxValue : actual >= condition.minValue };
}

/** A {@link Pairing} the scenario reports as measured: `contestant` over `peer`, paired per round. */
function reportedRatio(contestants, contestant, peer, unit) {
  const a = contestants.find((c) => c.name === contestant);
  const b = contestants.find((c) => c.name === peer);
  const text = `${contestant} / ${peer}`;
  if (a === undefined || b === undefined) return { contestant, peer, text, median: null, why: 'contestant not measured in this run' };
  return { contestant, peer, text, ...pairedRatio(a.rounds, b.rounds, unit) };
}

/** Two significant digits below 0.1 (a feature's cost can be 0.012x, which two decimals would call 0.01x). */
const fine = (r) => (r < 0.1 ? r.toPrecision(2) : r.toFixed(2));

/** `isoflux (tapped) / isoflux 0.012x [0.010–0.015]` for each reported ratio of `entry`. */
export function reportedText(entry) {
  return (entry.reportedRatios ?? []).map((r) => (r.median === null ? `${r.text} —` : `${r.text} ${r.median >= 100 ? r.median.toFixed(0) : fine(r.median)}x [${fine(r.min)}–${fine(r.max)}]`));
}

/** One `scenarios[]` entry of results/latest.json. `load` is what run.mjs saw around the scenario. */
export function toEntry(result, load) {
  const { name, unit, clock, measure, description, notMeasured, contestants, settings } = result;
  const lower = lowerIsBetter(unit);
  const isoflux = contestants.find((c) => c.role === 'isoflux');
  const results = {};
  for (const c of contestants) {
    const r = {
      role: c.role,
      unit,
      lowerIsBetter: lower,
      value: sig(headline(c, 'value')),
      spread: spreadOf(c.rounds),
      rounds: c.rounds.map(sig),
      order: c.slots,
      deliveries: c.deliveries,
      checksum: c.checksum,
      // the load around the scenario, repeated here so every result entry is self-contained
      load: load ?? null,
    };
    if (c.cpuUsPerOp !== undefined) {
      r.cpuUsPerOp = { unit: 'µs/msg', lowerIsBetter: true, value: sig(median(c.cpuUsPerOp)), spread: spreadOf(c.cpuUsPerOp), rounds: c.cpuUsPerOp.map(sig) };
    }
    if (c.pooled !== undefined) {
      r.percentiles = { samples: c.pooled.samples, p50: sig(c.pooled.p50), p90: sig(c.pooled.p90), p99: sig(c.pooled.p99), max: sig(c.pooled.max) };
      r.p99 = { unit, lowerIsBetter: true, value: sig(c.pooled.p99), spread: spreadOf(c.p99), rounds: c.p99.map(sig) };
    }
    results[c.name] = r;
  }
  const entry = { name, description, unit, lowerIsBetter: lower, clock, measure, settings, load: load ?? null };
  entry.notes = {
    notMeasured,
    contestants: Object.fromEntries(contestants.filter((c) => c.note !== undefined).map((c) => [c.name, c.note])),
  };
  entry.results = results;
  if (isoflux !== undefined) {
    const others = contestants.filter((c) => c !== isoflux);
    entry.ratios = Object.fromEntries(others.map((c) => [c.name, pairedRatio(isoflux.rounds, c.rounds, unit)]));
    if (isoflux.cpuUsPerOp !== undefined) entry.cpuRatios = Object.fromEntries(others.map((c) => [c.name, pairedRatio(isoflux.cpuUsPerOp, c.cpuUsPerOp, 'µs/msg')]));
    if (isoflux.p99 !== undefined) entry.p99Ratios = Object.fromEntries(others.map((c) => [c.name, pairedRatio(isoflux.p99, c.p99, unit)]));
  }
  entry.reportedRatios = (result.reportRatios ?? []).map(({ contestant, peer }) => reportedRatio(contestants, contestant, peer, unit));
  entry.target = result.target?.text ?? null;
  entry.conditions = (result.target?.conditions ?? []).map((c) => judge(c, contestants, unit));
  entry.met = entry.conditions.length === 0 || entry.conditions.some((c) => c.met === null) ? null : entry.conditions.every((c) => c.met);
  return entry;
}

/** `12.3 M msg/s`, `0.152 ms`, `88 B/sub` … */
export function human(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (unit === 'ms') return `${value < 1 ? value.toFixed(3) : value.toPrecision(3)} ms`;
  if (unit === 'B/sub') return `${value.toFixed(0)} B`;
  if (unit === 'µs/msg') return `${value >= 100 ? value.toFixed(0) : value.toPrecision(3)} µs`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(0);
}

/** `1.07x`, or `6223x` once decimals stop meaning anything. */
export const ratioText = (r) => (r === undefined || r === null ? '—' : `${r >= 100 ? r.toFixed(0) : r.toFixed(2)}x`);
const pad = (s, n) => String(s).padEnd(n);
const padLeft = (s, n) => String(s).padStart(n);

/** The per-scenario table: one line per contestant, its paired ratio with range, and the target verdict. */
export function formatScenario(entry) {
  const noisy = entry.load?.noisy ? `  NOISY: load ${entry.load.max} > ${entry.load.cores} cores` : '';
  const lines = [`${entry.name}  (${entry.unit}, ${entry.lowerIsBetter ? 'lower' : 'higher'} is better; ${entry.settings.rounds} paired rounds)${noisy}`];
  const cpu = Object.values(entry.results).some((r) => r.cpuUsPerOp !== undefined);
  const lat = Object.values(entry.results).some((r) => r.percentiles !== undefined);
  lines.push(
    `  ${pad('contestant', 34)}${padLeft('median', 11)}${padLeft('±range', 8)}${padLeft('isoflux ratio [min–max]', 26)}` +
      `${cpu ? padLeft('CPU/msg', 10) + padLeft('ratio', 8) : ''}${lat ? padLeft('p99', 10) + padLeft('samples', 9) : ''}`,
  );
  for (const [name, r] of Object.entries(entry.results)) {
    const ratio = entry.ratios?.[name];
    const ratioCell = ratio === undefined ? '' : `${ratioText(ratio.median)} [${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}]`;
    let line = `  ${pad(name, 34)}${padLeft(human(r.value, entry.unit), 11)}${padLeft(`${(r.spread.relative * 100).toFixed(1)}%`, 8)}${padLeft(ratioCell, 26)}`;
    if (cpu) line += `${padLeft(human(r.cpuUsPerOp?.value, 'µs/msg'), 10)}${padLeft(entry.cpuRatios?.[name] ? ratioText(entry.cpuRatios[name].median) : '', 8)}`;
    if (lat) line += `${padLeft(human(r.percentiles?.p99, 'ms'), 10)}${padLeft(r.percentiles?.samples ?? '', 9)}`;
    lines.push(line.trimEnd());
  }
  if (entry.target !== null) {
    const verdict = entry.met === null ? 'not judged' : entry.met ? 'met' : 'MISSED';
    lines.push(`  target: ${entry.target} → ${verdict}`);
    for (const c of entry.conditions) lines.push(`    ${c.met === null ? '?' : c.met ? '✓' : '✗'} ${c.text}: ${c.actual ?? '—'}${c.range ? ` [${c.range.join('–')}]` : ''}`);
  }
  for (const text of reportedText(entry)) lines.push(`  measured: ${text}`);
  lines.push(`  not measured: ${entry.notes.notMeasured}`);
  return lines.join('\n');
}

/** The summary matrix: scenarios down, peers across, isoflux's paired ratio in each cell. */
export function formatMatrix(entries) {
  const peerNames = [...new Set(entries.flatMap((e) => Object.entries(e.results).filter(([, r]) => r.role === 'peer').map(([n]) => n)))];
  const width = Math.max(8, ...peerNames.map((p) => p.length + 2));
  const first = Math.max(10, ...entries.map((e) => e.name.length + 2));
  const lines = [`${pad('isoflux / peer', first)}${peerNames.map((p) => padLeft(p, width)).join('')}  target`];
  for (const e of entries) {
    const cells = peerNames.map((p) => padLeft(ratioText(e.ratios?.[p]?.median), width));
    const verdict = e.met === null ? (e.target === null ? '' : '?') : e.met ? 'met' : 'MISSED';
    lines.push(`${pad(e.name, first)}${cells.join('')}  ${verdict}${e.load?.noisy ? ' (noisy)' : ''}`);
  }
  return lines.join('\n');
}
