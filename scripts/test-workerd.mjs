/**
 * Runs test/portable inside workerd (Cloudflare's runtime, via the `miniflare` API): esbuild
 * bundles the portable tests with `vitest` aliased to the shim, one request runs them all.
 * Usage alone: `node scripts/test-workerd.mjs` (starts its own nats-server).
 * @module
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { ensurePostgres } from '../test/setup/postgres.mjs';
import { startNatsServer } from '../test/setup/nats-server.mjs';
import { ROOT, TMP, banner, injectValues, isMain, result } from './lib.mjs';
import { writeEntry } from './portable-entry.mjs';

/** workerd 1.20260426 supports dates up to 2026-04-26. No nodejs_compat: portable code must not need it. */
const COMPATIBILITY_DATE = '2026-04-01';
const TIMEOUT_MS = 300_000;

const SERVE = `
import { serveTests } from ${JSON.stringify('../../test/harness/workerd-runtime.ts')};
export default serveTests(loadTests, collectedTests, provide);
`;

/**
 * @param {{ inject: Record<string, string | undefined> }} options
 * @returns {Promise<import('./lib.mjs').RuntimeResult>}
 */
export async function runWorkerd({ inject }) {
  const r = result('workerd');
  const entry = join(TMP, 'workerd', 'entry.ts');
  if (writeEntry(entry, SERVE) === 0) return r;
  const bundle = join(TMP, 'workerd', 'worker.js');
  try {
    await build({
      entryPoints: [entry],
      outfile: bundle,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      // Package exports for workerd first, as wrangler resolves them.
      conditions: ['workerd', 'worker', 'browser'],
      alias: { vitest: join(ROOT, 'test/harness/vitest-shim.ts') },
      external: ['cloudflare:*'],
      sourcemap: 'linked', // stacks are mapped back to the .ts sources below
      logLevel: 'warning',
    });
  } catch (error) {
    r.failed = 1;
    r.notes.push(`esbuild could not bundle the portable tests for workerd: ${String(error).split('\n')[0]}`);
    return r;
  }

  const mf = new Miniflare({ modules: true, scriptPath: bundle, compatibilityDate: COMPATIBILITY_DATE });
  const failures = [];
  let current = '';
  let done = false;
  const timer = setTimeout(() => void mf.dispose(), TIMEOUT_MS);
  try {
    const res = await mf.dispatchFetch('http://localhost/run', { method: 'POST', body: JSON.stringify(inject) });
    if (!res.ok || !res.body) throw new Error(`worker answered ${res.status}: ${await res.text()}`);
    let buffered = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      buffered += decoder.decode(/** @type {Uint8Array} */ (chunk), { stream: true });
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        if (line.kind === 'start') current = line.name;
        else if (line.kind === 'done') done = true;
        else if (line.ok) {
          r.passed++;
          console.log(`${line.name} ... ok (${line.ms}ms)`);
        } else {
          r.failed++;
          failures.push(line);
          console.log(`${line.name} ... FAILED (${line.ms}ms)`);
        }
      }
    }
  } catch (error) {
    r.failed++;
    r.notes.push(`workerd run broke off${current ? ` during '${current}'` : ''}: ${String(error)}`);
  } finally {
    clearTimeout(timer);
    await mf.dispose().catch(() => {});
  }
  if (!done && !r.notes.length) {
    r.failed++;
    r.notes.push(`workerd stream ended early${current ? ` during '${current}'` : ''}`);
  }
  const map = failures.length ? sourceMapper(`${bundle}.map`) : (/** @type {string} */ s) => s;
  for (const f of failures) {
    const e = f.error ?? { name: 'Error', message: '(no error)' };
    const text = e.stack?.includes(e.message) ? e.stack : `${e.name}: ${e.message}\n${e.stack ?? ''}`;
    console.log(`\n✗ ${f.name}\n${map(text)}`);
  }
  return r;
}

/** Rewrites `worker.js:L:C` stack positions to the original `test/… .ts:L:C` (Node's own SourceMap). */
function sourceMapper(/** @type {string} */ mapFile) {
  let sm;
  try {
    sm = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
  } catch {
    return (/** @type {string} */ s) => s;
  }
  return (/** @type {string} */ s) =>
    s.replace(/file:\/\/\S*?worker\.js:(\d+):(\d+)/g, (whole, line, col) => {
      const hit = sm.findEntry(Number(line) - 1, Number(col) - 1);
      if (!hit || !('originalSource' in hit) || !hit.originalSource) return whole;
      const src = hit.originalSource.startsWith('file:') ? new URL(hit.originalSource).pathname : join(TMP, 'workerd', hit.originalSource);
      return `${relative(ROOT, src)}:${hit.originalLine + 1}:${hit.originalColumn + 1}`;
    });
}

if (isMain(import.meta.url)) {
  const nats = await startNatsServer({ jetstream: true, websocket: true });
  try {
    banner('workerd');
    const r = await runWorkerd({ inject: injectValues(nats, await ensurePostgres()) });
    console.log(`workerd: ${r.passed} passed, ${r.failed} failed${r.notes.map((n) => `\n  ${n}`).join('')}`);
    process.exitCode = r.failed || !r.passed ? 1 : 0;
  } finally {
    await nats.dispose();
  }
}
