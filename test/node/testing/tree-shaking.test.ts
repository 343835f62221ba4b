/**
 * `if (import.meta.env.DEV) exposeBuses(...)` costs nothing in production: esbuild, bundling a page with the
 * production define, leaves no trace of the registration code (its window key, its recorder, its method
 * names); the development build of the same page has them, so the check can fail.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PAGE_API_KEY } from '../../../src/testing/page/index.js';

const PAGE = fileURLToPath(new URL('./fixtures/dev-only-page.ts', import.meta.url));

async function bundle(dev: boolean): Promise<string> {
  const result = await build({
    entryPoints: [PAGE],
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    define: { 'import.meta.env.DEV': String(dev) },
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Strings only the registration code contains (the memory bus the page keeps has none of them). */
const TRACES = [PAGE_API_KEY, 'exposeBuses', 'outboxStatus', 'has no outbox status', 'cannot publish'];

describe('exposeBuses in a production build', () => {
  it('is gone: no trace of the page API in the bundle', async () => {
    const production = await bundle(false);
    expect(production).toContain('orders.created'); // the page itself is there
    for (const trace of TRACES) expect(production, trace).not.toContain(trace);
  });

  it('is there in the development build (so the check above can fail)', async () => {
    const development = await bundle(true);
    expect(development).toContain(PAGE_API_KEY);
    expect(development).toContain('has no outbox status');
    expect(development.length).toBeGreaterThan((await bundle(false)).length + 2000);
  });
});
