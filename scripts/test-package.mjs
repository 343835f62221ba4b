/**
 * The packaging test (test/package): builds, packs and installs the tarball into a fresh project, then loads
 * it in every way people load a library (see test/package/packaging.test.ts). Its own Vitest run with
 * test/package/vitest.config.ts, after the other steps of `npm test`, so the build and the installs do not
 * compete with them. Usage alone: `node scripts/test-package.mjs`.
 * @module
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, TMP, banner, isMain, result, run } from './lib.mjs';

/** @returns {Promise<import('./lib.mjs').RuntimeResult>} */
export async function runPackage() {
  const r = result('package (tarball)');
  const report = join(TMP, 'package.json');
  rmSync(report, { force: true });
  const { code, timedOut } = await run(
    join(ROOT, 'node_modules', '.bin', 'vitest'),
    ['run', '--config', 'test/package/vitest.config.ts', '--reporter=default', '--reporter=json', `--outputFile=${report}`],
    { timeoutMs: 300_000 },
  );
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    r.passed = json.numPassedTests;
    r.failed = json.numFailedTests;
    r.skipped = json.numPendingTests + json.numTodoTests;
    // A failing beforeAll (build, pack, install) skips every test: count the file as one failure.
    const fileErrors = json.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length;
    if (fileErrors) {
      r.failed += fileErrors;
      r.notes.push(`${fileErrors} file-level error(s) (build, pack or install failed: see above), counted as failures`);
    }
  }
  if (timedOut) r.notes.push('the packaging test timed out after 300 s and was killed');
  if (code !== 0 && r.failed === 0) {
    r.failed = 1;
    r.notes.push(`vitest exited ${code} without a counted failure (see its output above)`);
  }
  return r;
}

if (isMain(import.meta.url)) {
  banner('package (tarball)');
  const r = await runPackage();
  console.log(`package: ${r.passed} passed, ${r.failed} failed${r.notes.map((n) => `\n  ${n}`).join('')}`);
  process.exitCode = r.failed || !r.passed ? 1 : 0;
}
