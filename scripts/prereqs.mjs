/**
 * Checks what `npm test` needs before anything starts, and names the exact fixing command.
 * Only node: built-ins here: this must work when node_modules is missing.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findNatsServer, NATS_INSTALL_FIX } from '../test/setup/nats-server.mjs';
import { ensurePostgres } from '../test/setup/postgres.mjs';
import { ROOT } from './lib.mjs';

/** Same path as test/harness/chromium.ts (a .ts file, which Node 20 cannot import). */
const CHROMIUM_PATH = '/usr/bin/chromium';

/** @returns {Promise<string[]>} one line per missing prerequisite, each ending with its fix. */
export async function checkPrerequisites() {
  const problems = [];
  const need = ['vitest/package.json', '@vitest/browser-playwright/package.json', 'miniflare/package.json', 'esbuild/package.json', 'playwright/package.json', '.bin/deno'];
  const missing = need.filter((p) => !existsSync(join(ROOT, 'node_modules', p)));
  if (missing.length) problems.push(`node_modules is missing ${missing.map((p) => p.replace(/\/package\.json$/, '')).join(', ')}. Fix: npm ci`);
  else if (spawnSync(join(ROOT, 'node_modules', '.bin', 'deno'), ['--version'], { env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } }).status !== 0) {
    problems.push('the deno binary in node_modules does not run (its platform package is missing). Fix: npm ci');
  }
  if (!existsSync(CHROMIUM_PATH)) problems.push(`Chromium is not installed at ${CHROMIUM_PATH}. Fix: apt-get install -y chromium`);
  try {
    findNatsServer();
  } catch {
    problems.push(`nats-server is not installed. Fix: ${NATS_INSTALL_FIX}`);
  }
  try {
    await ensurePostgres();
  } catch (error) {
    problems.push(/** @type {Error} */ (error).message);
  }
  return problems;
}
