/**
 * Turns the scenario results children send back into the `results/latest.json` entries and the table
 * `npm run bench` prints. A ratio above 1 always means isoflux is better: isoflux / peer for msg/s,
 * peer / isoflux for lower-is-better units (ms).
 * @module
 */

const round = (value, unit) => (unit === 'ms' ? Number(value.toPrecision(4)) : Math.round(value));
const ratioOf = (unit, isoflux, peer) => (unit === 'ms' ? peer / isoflux : isoflux / peer);
const twoDecimals = (x) => Math.round(x * 100) / 100;

/** Half the min–max range over the rounds, relative to the median: how much to trust one figure. */
function spreadOf(contestant) {
  const { rounds, value } = contestant;
  return value === 0 ? 0 : (Math.max(...rounds) - Math.min(...rounds)) / 2 / value;
}

/** One `scenarios[]` entry of results/latest.json. */
export function toEntry(result) {
  const { name, unit, clock, description, contestants, targets } = result;
  const isoflux = contestants.find((c) => c.role === 'isoflux');
  const peers = contestants.filter((c) => c.role === 'peer');
  const variants = contestants.filter((c) => c.role === 'variant');
  const byName = (list, f) => Object.fromEntries(list.map((c) => [c.name, f(c)]));
  const entry = { name, unit };
  if (unit === 'ms') entry.lowerIsBetter = true;
  Object.assign(entry, {
    description,
    clock,
    isoflux: isoflux === undefined ? null : round(isoflux.value, unit),
    peers: byName(peers, (c) => round(c.value, unit)),
  });
  if (variants.length > 0) entry.variants = byName(variants, (c) => round(c.value, unit));
  if (isoflux !== undefined) {
    entry.ratios = byName([...peers, ...variants], (c) => twoDecimals(ratioOf(unit, isoflux.value, c.value)));
    entry.targets = targets
      .filter((t) => peers.some((p) => p.name === t.peer))
      .map((t) => {
        const ratio = twoDecimals(ratioOf(unit, isoflux.value, peers.find((p) => p.name === t.peer).value));
        return { peer: t.peer, minRatio: t.minRatio, ratio, met: ratio >= t.minRatio };
      });
  }
  const notes = contestants.filter((c) => c.note !== undefined);
  if (notes.length > 0) entry.notes = byName(notes, (c) => c.note);
  entry.spread = byName(contestants, (c) => Number(spreadOf(c).toFixed(3)));
  entry.rounds = byName(contestants, (c) => c.rounds.map((v) => round(v, unit)));
  entry.deliveries = byName(contestants, (c) => c.deliveries);
  return entry;
}

function human(value, unit) {
  if (value === null || value === undefined) return '—';
  if (unit === 'ms') return `${value.toPrecision(3)} ms`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(0);
}

/** `1.07x`, or `6223x` once decimals stop meaning anything. */
const ratioText = (r) => (r === undefined ? '—' : `${r >= 100 ? r.toFixed(0) : r.toFixed(2)}x`);
const pad = (s, n) => String(s).padEnd(n);
const padLeft = (s, n) => String(s).padStart(n);

/** The per-scenario table: one line per contestant, with its ratio and any target. */
export function formatScenario(entry) {
  const lines = [`${entry.name}  (${entry.unit}, ${entry.lowerIsBetter ? 'lower' : 'higher'} is better)`];
  lines.push(`  ${pad('contestant', 28)}${padLeft('median', 11)}${padLeft('±range', 9)}${padLeft('isoflux ratio', 15)}  target`);
  const row = (name, value) => {
    const ratio = name === 'isoflux' ? '' : ratioText(entry.ratios?.[name]);
    const target = entry.targets?.find((t) => t.peer === name);
    const verdict = target === undefined ? '' : `≥ ${target.minRatio}x: ${target.met ? 'met' : 'MISSED'}`;
    const spread = `${(entry.spread[name] * 100).toFixed(1)}%`;
    lines.push(`  ${pad(name, 28)}${padLeft(human(value, entry.unit), 11)}${padLeft(spread, 9)}${padLeft(ratio, 15)}  ${verdict}`.trimEnd());
  };
  row('isoflux', entry.isoflux);
  for (const [name, value] of Object.entries(entry.variants ?? {})) row(name, value);
  for (const [name, value] of Object.entries(entry.peers)) row(name, value);
  return lines.join('\n');
}

/** The summary matrix: scenarios down, peers across, isoflux ratio in each cell. */
export function formatMatrix(entries) {
  const peers = [...new Set(entries.flatMap((e) => Object.keys(e.peers)))];
  const width = Math.max(8, ...peers.map((p) => p.length + 2));
  const first = Math.max(10, ...entries.map((e) => e.name.length + 2));
  const lines = [`${pad('isoflux / peer', first)}${peers.map((p) => padLeft(p, width)).join('')}`];
  for (const e of entries) {
    const cells = peers.map((p) => padLeft(ratioText(e.ratios?.[p]), width));
    lines.push(`${pad(e.name, first)}${cells.join('')}`);
  }
  return lines.join('\n');
}

/** The same matrix as a Markdown table, with absolute figures, for the README. */
export function formatMarkdown(entries) {
  const peers = [...new Set(entries.flatMap((e) => Object.keys(e.peers)))];
  const lines = [`| scenario | isoflux | ${peers.join(' | ')} |`, `|---|---:|${peers.map(() => '---:').join('|')}|`];
  for (const e of entries) {
    const cells = peers.map((p) => (e.peers[p] === undefined ? '—' : `${human(e.peers[p], e.unit)} (${ratioText(e.ratios?.[p])})`));
    lines.push(`| ${e.name} (${e.unit}) | ${human(e.isoflux, e.unit)} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
