/**
 * Runs Playwright Test on test/e2e/**\/*.spec.ts, or says honestly that there are none yet
 * (then Playwright is not started at all). Usage alone: `node scripts/test-e2e.mjs`.
 * @module
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePostgres } from '../test/setup/postgres.mjs';
import { freePort, startNatsServer } from '../test/setup/nats-server.mjs';
import { ROOT, TMP, banner, findFiles, injectValues, isMain, result, run } from './lib.mjs';

/**
 * @param {{ inject: Record<string, string | undefined> }} options
 * @returns {Promise<import('./lib.mjs').RuntimeResult>}
 */
export async function runE2e({ inject }) {
  const r = result('e2e (Playwright)');
  if (findFiles('test/e2e', '.spec.ts').length === 0) {
    r.notRun = true;
    console.log('test/e2e has no *.spec.ts yet: Playwright not run.');
    return r;
  }
  const report = join(TMP, 'e2e.json');
  rmSync(report, { force: true });
  const { code, timedOut } = await run(join(ROOT, 'node_modules', '.bin', 'playwright'), ['test'], {
    env: {
      // A free port for the demo's webServer: a fixed one collides with a demo already running.
      ISOFLUX_DEMO_PORT: String(await freePort()),
      ISOFLUX_INJECT: JSON.stringify(inject),
      ISOFLUX_NATS_WS_URL: inject.natsWsUrl ?? '',
      ISOFLUX_NATS_TCP_URL: inject.natsTcpUrl,
      ISOFLUX_NATS_MONITOR_URL: inject.natsMonitorUrl,
      ISOFLUX_PG_URL: inject.pgUrl,
    },
    timeoutMs: 600_000,
  });
  if (existsSync(report)) {
    const { stats, errors } = JSON.parse(readFileSync(report, 'utf8'));
    r.passed = stats.expected + stats.flaky;
    r.failed = stats.unexpected + (errors?.length ?? 0);
    r.skipped = stats.skipped;
    if (stats.flaky) r.notes.push(`${stats.flaky} flaky e2e test(s) passed only on retry`);
  }
  if (timedOut) r.notes.push('playwright test timed out after 600 s and was killed');
  if (code !== 0 && r.failed === 0) {
    r.failed = 1;
    r.notes.push(`playwright test exited ${code} without a failed test to show for it (see above)`);
  }
  return r;
}

if (isMain(import.meta.url)) {
  const nats = await startNatsServer({ jetstream: true, websocket: true });
  try {
    banner('e2e (Playwright)');
    const r = await runE2e({ inject: injectValues(nats, await ensurePostgres()) });
    console.log(`e2e: ${r.notRun ? 'not run (no specs)' : `${r.passed} passed, ${r.failed} failed`}${r.notes.map((n) => `\n  ${n}`).join('')}`);
    process.exitCode = r.failed || (!r.notRun && !r.passed) ? 1 : 0;
  } finally {
    await nats.dispose();
  }
}
