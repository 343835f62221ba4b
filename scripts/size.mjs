/**
 * Bundle size per public entry: what an app pays for `import … from 'isoflux/<entry>'`.
 *
 * Each entry of package.json `exports` is bundled from its source (`src/<entry>/index.ts`) with esbuild,
 * minified, for the browser, and gzipped (level 9). Two figures per entry:
 * - `own`: isoflux's code only (third-party imports external: the user may already ship them);
 * - `withDeps`: everything bundled, what a page really downloads (null when the deps cannot target a browser).
 * Plus the `<script>` build (core + memory as one IIFE). Whole entries are measured (`export *`): an app that
 * imports less pays less. Prints a table and writes bench/results/size.json.
 *
 * Usage: node scripts/size.mjs
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, version as esbuildVersion } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_FILE = join(ROOT, 'bench/results/size.json');

/** `[{ name: 'isoflux/memory', source: '/…/src/memory/index.ts' }, …]` from package.json `exports`. */
function publicEntries() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return Object.keys(pkg.exports ?? {}).map((subpath) => {
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

async function main() {
  const entries = [];
  for (const { name, source } of publicEntries()) {
    const contents = reexport(source);
    const own = await measure(contents, { bundleDeps: false });
    // Server-only clients (postgres needs node:net …) cannot be bundled for a browser: null, with the reason.
    const withDeps = await measure(contents, { bundleDeps: true }).catch((error) => ({ error: firstLine(error) }));
    entries.push('error' in withDeps ? { entry: name, own, withDeps: null, withDepsError: withDeps.error } : { entry: name, own, withDeps });
  }
  const iife = await measure(reexport(join(ROOT, 'src/index.ts'), join(ROOT, 'src/memory/index.ts')), {
    bundleDeps: true,
    format: 'iife',
    globalName: 'isoflux',
  });
  entries.push({ entry: '<script> iife (core + memory)', own: iife, withDeps: iife });

  const report = {
    tool: `esbuild ${esbuildVersion}, minify, platform browser, target es2022; gzip level 9`,
    unit: 'bytes',
    lowerIsBetter: true,
    entries,
  };
  mkdirSync(dirname(OUT_FILE), { recursive: true });
  writeFileSync(OUT_FILE, `${JSON.stringify(report, null, 2)}\n`);
  printTable(entries);
  console.log(`\nwritten to ${OUT_FILE.slice(ROOT.length)}`);
}

function firstLine(error) {
  return (error?.errors?.[0]?.text ?? String(error?.message ?? error)).split('\n')[0];
}

function kB(bytes) {
  return bytes === undefined ? 'n/a' : `${(bytes / 1000).toFixed(1)} kB`;
}

function printTable(entries) {
  const rows = [
    ['entry', 'min', 'gzip', 'min + deps', 'gzip + deps'],
    ...entries.map((e) => [e.entry, kB(e.own.minBytes), kB(e.own.gzipBytes), kB(e.withDeps?.minBytes), kB(e.withDeps?.gzipBytes)]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
}

await main();
