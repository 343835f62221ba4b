/**
 * Bundle size per public entry: what an app pays for `import … from 'isoflux/<entry>'`, and what each
 * `<script>` file weighs; checked against the budgets in scripts/bundles.mjs.
 *
 * Each entry of package.json `exports` is bundled from its source (`src/<entry>/index.ts`) with esbuild,
 * minified, for the browser, and gzipped (level 9). Two figures per entry:
 * - `own`: isoflux's code only (third-party imports external: the user may already ship them);
 * - `withDeps`: everything bundled, what a page really downloads (null when the deps cannot target a browser).
 * Plus each `<script>` build (an IIFE, global `isoflux`, deps bundled). Whole entries are measured
 * (`export *`): an app that imports less pays less.
 *
 * Usage: node scripts/size.mjs [--check] [--write]
 *   (no flag)  prints the table and writes bench/results/size.json
 *   --check    instead (writes nothing) exits 1 when an entry is over its budget or README.md's figures are stale (> 25% off)
 *   --write    also rewrites README.md between `<!-- sizes:start -->` and `<!-- sizes:end -->`
 * Needs esbuild (node_modules). Takes about a second.
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, version as esbuildVersion } from 'esbuild';
import { SCRIPT_BUILDS, SIZE_BUDGETS } from './bundles.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_FILE = join(ROOT, 'bench/results/size.json');
const README = join(ROOT, 'README.md');
const START = '<!-- sizes:start -->';
const END = '<!-- sizes:end -->';
/** How far a README figure may drift from the measurement before --check calls it stale. */
const README_TOLERANCE = 0.25;

/** `[{ name: 'isoflux/memory', sources: ['/…/src/memory/index.ts'] }, …]` from package.json `exports`. */
function publicEntries() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return Object.keys(pkg.exports ?? {})
    // `…/internal` entries are for transports that build on another (jetstream on nats/internal): no app imports
    // them, and their code is measured inside the entry that uses them.
    .filter((subpath) => !subpath.endsWith('.json') && !subpath.endsWith('/internal'))
    .map((subpath) => {
      const folder = subpath === '.' ? '' : subpath.slice(2);
      return { name: folder === '' ? pkg.name : `${pkg.name}/${folder}`, source: join(ROOT, 'src', folder, 'index.ts') };
    });
}

/** Minified and gzipped byte counts of a bundle of `contents` (a module re-exporting the entries). */
async function measure(contents, { bundleDeps, format = 'esm', globalName } = {}) {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    minify: true,
    write: false,
    format,
    globalName,
    platform: 'browser',
    target: 'es2022',
    packages: bundleDeps ? 'bundle' : 'external',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { minBytes: code.byteLength, gzipBytes: gzipSync(code, { level: 9 }).byteLength };
}

const reexport = (...sources) => sources.map((s) => `export * from ${JSON.stringify(s)};`).join('\n');

/** Every entry and `<script>` file, measured, with its budget. */
export async function measureAll() {
  const entries = [];
  for (const { name, source } of publicEntries()) {
    const contents = reexport(source);
    const own = await measure(contents, { bundleDeps: false });
    // Server-only clients (postgres needs node:net …) cannot be bundled for a browser: null, with the reason.
    const withDeps = await measure(contents, { bundleDeps: true }).catch((error) => ({ error: firstLine(error) }));
    const budget = SIZE_BUDGETS[name];
    entries.push('error' in withDeps ? { entry: name, own, withDeps: null, withDepsError: withDeps.error, budget } : { entry: name, own, withDeps, budget });
  }
  for (const [file, parts] of Object.entries(SCRIPT_BUILDS)) {
    const script = await measure(reexport(...parts.map((p) => join(ROOT, 'src', p))), { bundleDeps: true, format: 'iife', globalName: 'isoflux' });
    entries.push({ entry: file, script: true, parts, own: script, withDeps: script, budget: SIZE_BUDGETS[file] });
  }
  return entries;
}

/** One line per figure over its budget (and per entry without a budget). */
export function overBudget(entries) {
  const problems = [];
  for (const e of entries) {
    if (!e.budget) {
      problems.push(`${e.entry} has no size budget: add one to scripts/bundles.mjs`);
      continue;
    }
    for (const kind of /** @type {const} */ (['own', 'withDeps'])) {
      const limit = e.budget[kind];
      const actual = e[kind]?.gzipBytes;
      if (limit !== undefined && actual !== undefined && actual > limit) {
        problems.push(`${e.entry} (${kind === 'own' ? 'own code' : 'with its clients'}) is ${actual} B gzip, over its budget of ${limit} B`);
      }
    }
  }
  return problems;
}

const kB = (bytes) => (bytes === undefined ? 'n/a' : `${(bytes / 1000).toFixed(1)} kB`);

/** The README block (between the markers, markers included). */
export function readmeBlock(entries) {
  const budgetOf = (e) => {
    const b = e.budget ?? {};
    return [b.own === undefined ? '' : kB(b.own), b.withDeps === undefined ? '' : `${kB(b.withDeps)} with clients`].filter(Boolean).join(', ');
  };
  const rows = entries.map((e) => {
    const deps = e.script ? '(bundled)' : e.withDeps === null ? 'server only' : e.withDeps.gzipBytes === e.own.gzipBytes ? '—' : kB(e.withDeps.gzipBytes);
    return `| \`${e.entry}\` | ${kB(e.own.minBytes)} | ${kB(e.own.gzipBytes)} | ${deps} | ${budgetOf(e)} |`;
  });
  return [
    START,
    '<!-- generated by `npm run size -- --write` (esbuild, minified, browser, gzip -9); budgets: scripts/bundles.mjs -->',
    '| entry | min | gzip | gzip with its clients | budget (gzip) |',
    '|---|---:|---:|---:|---|',
    ...rows,
    END,
  ].join('\n');
}

/** Problems with README.md's block: missing, or a gzip figure more than {@link README_TOLERANCE} off. */
export function staleReadme(entries, text = readFileSync(README, 'utf8')) {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end < start) return [`README.md has no ${START} … ${END} block. Fix: npm run size -- --write`];
  const block = text.slice(start, end);
  const problems = [];
  for (const e of entries) {
    const row = block.split('\n').find((line) => line.startsWith(`| \`${e.entry}\` |`));
    const shown = row === undefined ? undefined : Number(/** @type {string} */ (row.split('|')[3]).trim().replace(' kB', '')) * 1000;
    const actual = e.own.gzipBytes;
    if (shown === undefined || !Number.isFinite(shown) || Math.abs(shown - actual) > Math.max(100, actual * README_TOLERANCE)) {
      problems.push(`README.md shows ${row === undefined ? 'no figure' : kB(shown)} for ${e.entry}, measured ${kB(actual)}. Fix: npm run size -- --write`);
    }
  }
  return problems;
}

function firstLine(error) {
  return (error?.errors?.[0]?.text ?? String(error?.message ?? error)).split('\n')[0];
}

function printTable(entries) {
  const rows = [
    ['entry', 'min', 'gzip', 'min + deps', 'gzip + deps', 'budget'],
    ...entries.map((e) => [
      e.entry,
      kB(e.own.minBytes),
      kB(e.own.gzipBytes),
      kB(e.withDeps?.minBytes),
      kB(e.withDeps?.gzipBytes),
      [e.budget?.own, e.budget?.withDeps].map((b) => (b === undefined ? '-' : kB(b))).join(' / '),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
}

async function main(argv) {
  const entries = await measureAll();
  const report = {
    tool: `esbuild ${esbuildVersion}, minify, platform browser, target es2022; gzip level 9`,
    unit: 'bytes',
    lowerIsBetter: true,
    entries,
  };
  printTable(entries);
  if (!argv.includes('--check') || argv.includes('--write')) {
    mkdirSync(dirname(OUT_FILE), { recursive: true });
    writeFileSync(OUT_FILE, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwritten to ${OUT_FILE.slice(ROOT.length)}`);
  }
  if (argv.includes('--write')) {
    const text = readFileSync(README, 'utf8');
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    if (start === -1 || end < start) {
      console.error(`README.md has no ${START} … ${END} block to rewrite: add the two markers where the table belongs.`);
      process.exitCode = 1;
    } else {
      writeFileSync(README, text.slice(0, start) + readmeBlock(entries) + text.slice(end + END.length));
      console.log('README.md size figures rewritten');
    }
  }
  if (argv.includes('--check')) {
    const problems = [...overBudget(entries), ...staleReadme(entries)];
    for (const p of problems) console.error(`size: ${p}`);
    if (problems.length) process.exitCode = 1;
    else console.log('size: every entry within its budget; README figures current');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main(process.argv.slice(2));
