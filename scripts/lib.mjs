/**
 * Helpers shared by the test scripts: repo paths, test discovery, child processes that are
 * echoed live and captured, and the per-runtime result shape.
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root. */
export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** Scratch dir (git-ignored): generated entries, bundles, JSON reports. */
export const TMP = join(ROOT, '.tmp');

/**
 * @typedef {object} RuntimeResult
 * @property {string} runtime
 * @property {number} passed
 * @property {number} failed
 * @property {number} skipped
 * @property {boolean} [notRun]  true when the runtime had nothing to run on purpose (no e2e specs)
 * @property {string[]} notes    problems that are not individual test failures
 */

/** @returns {RuntimeResult} */
export function result(runtime) {
  return { runtime, passed: 0, failed: 0, skipped: 0, notes: [] };
}

/**
 * Files under `dir` (relative to the repo, forward slashes, sorted) whose name ends with `suffix`.
 * @param {string} dir
 * @param {string} suffix
 */
export function findFiles(dir, suffix) {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix) && !f.split(sep).includes('node_modules') && statSync(join(abs, f)).isFile())
    .map((f) => relative(ROOT, join(abs, f)).split(sep).join('/'))
    .sort();
}

/** Removes ANSI colour codes (for parsing runner output). */
export const stripAnsi = (/** @type {string} */ s) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** Live child processes, and every process group we started (stopped if we are interrupted). */
const children = new Set();
const groups = new Set();
let interrupted = false;
const killGroup = (/** @type {number} */ pgid, /** @type {NodeJS.Signals} */ sig) => {
  try { process.kill(-pgid, sig); } catch { /* gone */ }
};
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(sig, () => {
    interrupted = true;
    // SIGTERM first so children clean up (Vitest's globalSetup teardown stops its nats-servers,
    // Playwright closes its browsers), then SIGKILL whatever is left in each group. Our own
    // 'exit' hooks (test/setup/nats-server.mjs) stop the servers this process started.
    for (const pgid of groups) killGroup(pgid, 'SIGTERM');
    const deadline = Date.now() + 3000;
    const wait = setInterval(() => {
      if (children.size && Date.now() < deadline) return;
      clearInterval(wait);
      for (const pgid of groups) killGroup(pgid, 'SIGKILL');
      process.exit(130);
    }, 50);
  });
}

/**
 * Runs a command, echoing its output live and returning it.
 * The child gets its own process group so a timeout or Ctrl-C can kill its whole tree.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ env?: Record<string, string>, timeoutMs?: number }} [options]
 * @returns {Promise<{ code: number, output: string, timedOut: boolean }>}
 */
export function run(cmd, args, { env = {}, timeoutMs = 600_000 } = {}) {
  // Once interrupted, start nothing more and let the signal handler end the process.
  if (interrupted) return new Promise(() => {});
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    if (child.pid) groups.add(child.pid);
    let output = '';
    let timedOut = false;
    const onData = (/** @type {NodeJS.WriteStream} */ out) => (/** @type {Buffer} */ chunk) => {
      output += chunk.toString();
      out.write(chunk);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-(/** @type {number} */ (child.pid)), 'SIGKILL'); } catch { /* gone */ }
    }, timeoutMs);
    child.on('error', (err) => {
      output += String(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (interrupted) return; // the signal handler exits; do not start the next step
      resolve({ code: code ?? (signal ? 128 : 1), output, timedOut });
    });
  });
}

/** Prints a step banner. */
export function banner(/** @type {string} */ text) {
  console.log(`\n━━━ ${text} ${'━'.repeat(Math.max(3, 70 - text.length))}`);
}

/** The values every runtime's `inject()` sees (same keys as test/setup/global.ts provides). */
export function injectValues(/** @type {{ wsUrl?: string, tcpUrl: string, monitorUrl: string, controlUrl?: string }} */ nats, /** @type {string} */ pgUrl) {
  return { natsWsUrl: nats.wsUrl, natsTcpUrl: nats.tcpUrl, natsMonitorUrl: nats.monitorUrl, natsControlUrl: nats.controlUrl, pgUrl };
}

/** True when this module is the process entry point (for scripts that are also libraries). */
export function isMain(/** @type {string} */ metaUrl) {
  return process.argv[1] !== undefined && fileURLToPath(metaUrl) === process.argv[1];
}
