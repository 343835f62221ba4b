/**
 * Makes sure the machine's PostgreSQL (127.0.0.1:5432, trust auth, database `test`) is up.
 * Plain ESM JavaScript: used by Vitest's globalSetup and by scripts/test.mjs.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';

/** Connection URL the tests receive as `inject('pgUrl')`. */
export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
/** Starts the Debian cluster without systemd (CI and dev machines have none). */
export const PG_START_FIX = 'pg_ctlcluster --skip-systemctl-redirect 15 main start';
export const PG_INSTALL_FIX = 'apt-get install -y postgresql';

/** @returns {Promise<boolean>} whether something accepts TCP on 127.0.0.1:5432 within 1 s. */
function reachable() {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 5432 });
    const done = (/** @type {boolean} */ ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves with {@link PG_URL} once PostgreSQL accepts connections; tries {@link PG_START_FIX} once.
 * Throws an error whose message names the fixing command.
 * @returns {Promise<string>}
 */
export async function ensurePostgres() {
  if (await reachable()) return PG_URL;
  const start = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', '15', 'main', 'start'], { encoding: 'utf8' });
  if (start.error) throw new Error(`PostgreSQL is not installed or not on PATH. Fix: ${PG_INSTALL_FIX}`);
  for (let i = 0; i < 50; i++) {
    if (await reachable()) return PG_URL;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `PostgreSQL is not reachable on 127.0.0.1:5432 (tried: ${PG_START_FIX}: ${(start.stderr || start.stdout).trim()}). ` +
      `Fix: ${PG_START_FIX} (fresh machine: ${PG_INSTALL_FIX})`,
  );
}
