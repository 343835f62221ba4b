/**
 * Runs test/portable, test/server (TCP: PostgreSQL) and test/deno in Deno (npm package `deno`), fully offline: every test collected by the
 * vitest shim becomes one `Deno.test`, so Deno prints its own `ok | N passed | M failed` line.
 * Usage alone: `node scripts/test-deno.mjs` (starts its own nats-server).
 * @module
 */
import { join } from 'node:path';
import { ensurePostgres } from '../test/setup/postgres.mjs';
import { startNatsServer } from '../test/setup/nats-server.mjs';
import { ROOT, TMP, banner, injectValues, isMain, result, run, stripAnsi } from './lib.mjs';
import { writeEntry } from './portable-entry.mjs';

const REGISTER = `
// Deno: provide the injected values, load the files, register each collected test.
provide(JSON.parse(Deno.env.get('ISOFLUX_INJECT') ?? '{}'));
await loadTests();
for (const t of collectedTests()) {
  // Sanitizers off: a connection opened in beforeAll legitimately outlives a single test.
  Deno.test({ name: t.name, fn: () => t.run(), sanitizeOps: false, sanitizeResources: false, sanitizeExit: false });
}
`;

/**
 * @param {{ inject: Record<string, string | undefined> }} options
 * @returns {Promise<import('./lib.mjs').RuntimeResult>}
 */
export async function runDeno({ inject }) {
  const r = result('deno');
  const entry = join(TMP, 'deno', 'entry.ts');
  if (writeEntry(entry, REGISTER, ['test/server', 'test/deno']) === 0) return r;
  const deno = (/** @type {string[]} */ extra) =>
    run(
      join(ROOT, 'node_modules', '.bin', 'deno'),
      // `manual`: use our node_modules as is; `auto` (or a bare flag) would try the registry.
      ['test', '-A', '--node-modules-dir=manual', '--config', 'test/harness/deno.json', ...extra, entry],
      { env: { DENO_NO_UPDATE_CHECK: '1', ISOFLUX_INJECT: JSON.stringify(inject) }, timeoutMs: 300_000 },
    );
  let { code, output, timedOut } = await deno([]);
  if (/Type checking failed/.test(stripAnsi(output))) {
    // Count Deno's type errors as one failure, then still run the tests so the runtime is covered.
    r.failed += 1;
    r.notes.push('Deno type check failed (errors above); tests re-run with --no-check');
    console.log('\nDeno type check failed: re-running the tests with --no-check\n');
    ({ code, output, timedOut } = await deno(['--no-check']));
  }
  const summary = stripAnsi(output).match(/^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?(?: \| (\d+) ignored)?/m);
  if (summary) {
    r.passed += Number(summary[1]);
    r.failed += Number(summary[2]);
    r.skipped += Number(summary[3] ?? 0);
  }
  if (timedOut) r.notes.push('deno test timed out after 300 s and was killed');
  if (code !== 0 && !summary?.[2]) {
    r.failed += 1;
    r.notes.push(`deno test exited ${code} without a failed test to show for it (load error above?)`);
  }
  return r;
}

if (isMain(import.meta.url)) {
  const nats = await startNatsServer({ jetstream: true, websocket: true });
  try {
    banner('Deno');
    const r = await runDeno({ inject: injectValues(nats, await ensurePostgres()) });
    console.log(`deno: ${r.passed} passed, ${r.failed} failed${r.notes.map((n) => `\n  ${n}`).join('')}`);
    process.exitCode = r.failed || !r.passed ? 1 : 0;
  } finally {
    await nats.dispose();
  }
}
