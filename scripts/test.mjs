/**
 * `npm test`: every test in every runtime, one summary.
 *   1. Vitest: projects `node` (test/portable, test/node, type tests) and `chromium` (test/portable,
 *      test/browser); each project's globalSetup starts its own nats-server.
 *   2. Deno and 3. workerd: test/portable through the vitest shim (test/harness).
 *   4. Playwright e2e, only when test/e2e has specs.
 *   5. The packaging test (test/package): build, `npm pack`, the tarball installed into a fresh project and
 *      loaded from Node, TypeScript, Deno, workerd, Vite and `<script>` pages; size budgets.
 * Before anything: npm dependencies are installed when node_modules is missing or incomplete (scripts/prereqs.mjs).
 * Steps 2-4 each get a fresh nats-server (so JetStream state never leaks between runtimes),
 * stopped by PID even on failure or Ctrl-C. Ends with the plain line `N passed, N failed[, N skipped]`
 * and exits non-zero if anything failed or a runtime ran zero tests.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkPrerequisites, ensureNodeModules } from './prereqs.mjs';
import { ROOT, TMP, banner, injectValues, result, run } from './lib.mjs';

const started = Date.now();
await ensureNodeModules('npm test');
const problems = await checkPrerequisites();
if (problems.length) {
  console.error(`npm test cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
// Imported only now: they need node_modules (esbuild, miniflare), checked just above.
const { startNatsServer } = await import('../test/setup/nats-server.mjs');
const { PG_URL } = await import('../test/setup/postgres.mjs');
const { runDeno } = await import('./test-deno.mjs');
const { runWorkerd } = await import('./test-workerd.mjs');
const { runE2e } = await import('./test-e2e.mjs');
const { runPackage } = await import('./test-package.mjs');

mkdirSync(TMP, { recursive: true });

/** @type {import('./lib.mjs').RuntimeResult[]} */
const results = [];
/** @type {Record<string, number>} */
const seconds = {};

/** Runs one step with its own nats-server, timing it. */
async function step(/** @type {string} */ name, /** @type {(inject: Record<string, string | undefined>) => Promise<import('./lib.mjs').RuntimeResult>} */ fn) {
  banner(name);
  const t0 = Date.now();
  const nats = await startNatsServer({ jetstream: true, websocket: true });
  try {
    results.push(await fn(injectValues(nats, PG_URL)));
  } finally {
    await nats.dispose();
    seconds[name] = (Date.now() - t0) / 1000;
  }
}

// 1. Vitest (node + chromium projects in one run).
{
  banner('Vitest: node + chromium');
  const t0 = Date.now();
  const countsFile = join(ROOT, '.tmp', 'vitest-counts.json');
  rmSync(countsFile, { force: true });
  const { code, timedOut } = await run(join(ROOT, 'node_modules', '.bin', 'vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    '--reporter=./test/harness/vitest-counts-reporter.ts',
    '--outputFile=.tmp/vitest.json',
  ]);
  seconds['Vitest: node + chromium'] = (Date.now() - t0) / 1000;
  const counts = existsSync(countsFile) ? JSON.parse(readFileSync(countsFile, 'utf8')) : undefined;
  for (const project of ['node', 'chromium']) {
    const r = result(project === 'node' ? 'node (Vitest)' : 'chromium (Vitest browser)');
    // Browser projects are named per instance, e.g. `chromium (chromium)`.
    const c = Object.entries(counts?.projects ?? {})
      .filter(([name]) => name === project || name.startsWith(`${project} (`))
      .reduce((sum, [, p]) => (sum ? { passed: sum.passed + p.passed, failed: sum.failed + p.failed, skipped: sum.skipped + p.skipped, suiteErrors: sum.suiteErrors + p.suiteErrors } : p), undefined);
    if (c) {
      Object.assign(r, { passed: c.passed, failed: c.failed + c.suiteErrors, skipped: c.skipped });
      if (c.suiteErrors) r.notes.push(`${c.suiteErrors} file/suite-level error(s) (failed import or hook), counted as failures`);
    }
    results.push(r);
  }
  const node = /** @type {import('./lib.mjs').RuntimeResult} */ (results[0]);
  if (counts?.unhandledErrors) {
    node.failed += counts.unhandledErrors;
    node.notes.push(`${counts.unhandledErrors} unhandled error(s) (e.g. type errors in sources), counted as failures`);
  }
  if (timedOut) node.notes.push('vitest timed out and was killed');
  const counted = results.reduce((n, r) => n + r.failed, 0);
  if (code !== 0 && counted === 0) {
    node.failed += 1;
    node.notes.push(`vitest exited ${code} without a counted failure (see its output above)`);
  }
}

// 2-4. Deno, workerd, Playwright e2e.
await step('Deno', (inject) => runDeno({ inject }));
await step('workerd (miniflare)', (inject) => runWorkerd({ inject }));
await step('e2e (Playwright)', (inject) => runE2e({ inject }));

// 5. The packed tarball (needs no nats-server).
{
  banner('package (tarball)');
  const t0 = Date.now();
  results.push(await runPackage());
  seconds['package (tarball)'] = (Date.now() - t0) / 1000;
}

// Summary.
banner('Summary');
let passed = 0;
let failed = 0;
let skipped = 0;
const zero = [];
for (const r of results) {
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  const line = r.notRun ? 'not run (no specs yet)' : `${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`;
  console.log(`  ${r.runtime.padEnd(28)} ${line}`);
  for (const n of r.notes) console.log(`  ${''.padEnd(28)} ! ${n}`);
  if (!r.notRun && r.passed + r.failed === 0) zero.push(r.runtime);
}
console.log(`  ${'time'.padEnd(28)} ${Object.entries(seconds).map(([k, v]) => `${k.split(' ')[0]} ${v.toFixed(1)}s`).join(', ')}; total ${((Date.now() - started) / 1000).toFixed(1)}s`);
if (zero.length) console.log(`\nRan zero tests in: ${zero.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed || zero.length ? 1 : 0;
