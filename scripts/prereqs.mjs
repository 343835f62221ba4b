/**
 * What `npm test` and `npm run demo` need before anything starts: npm dependencies are installed when missing
 * (ensureNodeModules); system packages are checked and named with the exact fixing command
 * (checkPrerequisites). Only node: built-ins here: this must work when node_modules is missing.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findNatsServer, NATS_INSTALL_FIX } from '../test/setup/nats-server.mjs';
import { ensurePostgres } from '../test/setup/postgres.mjs';
import { ROOT } from './lib.mjs';

/** Same path as test/harness/chromium.ts (a .ts file, which Node 20 cannot import). */
const CHROMIUM_PATH = '/usr/bin/chromium';

/** @returns {string[]} the dependencies and devDependencies of package.json that node_modules lacks. */
export function missingNodeModules() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  return names.filter((name) => !existsSync(join(ROOT, 'node_modules', name, 'package.json')));
}

/**
 * Installs the npm dependencies when node_modules is missing or lacks one of package.json's: `npm ci` (exactly
 * the lockfile), falling back to `npm install` when npm ci refuses it (the registry can lack another platform's
 * optional build, see .ci/run). Prints what it does; exits the process with the fixing command when both fail.
 * @param {string} who the command the user ran (`npm test`, `npm run demo`), for the messages
 */
export async function ensureNodeModules(who) {
  const missing = missingNodeModules();
  if (missing.length === 0) return;
  const what = existsSync(join(ROOT, 'node_modules')) ? `node_modules lacks ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}` : 'node_modules is missing';
  console.log(`[${who}] ${what}: installing the npm dependencies (npm ci)`);
  const npm = (/** @type {string[]} */ args) => spawnSync('npm', args, { cwd: ROOT, stdio: 'inherit', env: process.env }).status === 0;
  if (npm(['ci', '--no-audit', '--no-fund'])) return;
  console.log(`[${who}] npm ci refused the lockfile; falling back to npm install (the lockfile may change)`);
  if (npm(['install', '--no-audit', '--no-fund']) && missingNodeModules().length === 0) return;
  console.error(`[${who}] cannot install the npm dependencies (see npm's output above). Fix: check that the npm registry is reachable, then run: npm install`);
  process.exit(1);
}

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
