/**
 * What every Vite dev server of this repo (the demo, the e2e fixture servers) needs to start the same way
 * every time, also when several run at once on a loaded machine:
 *
 * - **Its own dependency cache.** Vite pre-bundles CommonJS dependencies (nats-core, jetstream) into
 *   `node_modules/.vite/deps` by default: one folder for every server of the repo. Two servers starting at
 *   once (the e2e run has the shared demo, the NATS spec's own demo and a fixture server per spec) replace each
 *   other's bundles, and a page then fails to import `…/deps/x.js?v=<other hash>`: its panels never mount.
 *   {@link isolatedCacheDir} gives each server a temporary folder of its own.
 * - **Every browser dependency bundled up front, none discovered late.** A dependency Vite discovers while
 *   serving a page (a new deep import such as `@nats-io/nats-core/internal`) triggers a re-bundle and a full
 *   page reload in the middle of whatever the page was doing. {@link browserDependencies} lists the packages
 *   src/ imports (read from the sources, so a new import needs no change here), for `optimizeDeps.include`
 *   with `noDiscovery: true`.
 * - **A readiness signal.** {@link whenDepsBundled} resolves once the bundles are written, so a server can
 *   hold requests (or its "ready" line) until a page can load at once.
 *
 * Plain JavaScript with node: built-ins only: demo/serve.mjs imports it, and so do the TypeScript fixtures.
 * @module
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** src/ folders that never run in a browser (their dependencies are server-only). */
const SERVER_ONLY = new Set(['postgres']);

/** `import … from 'x'` / `export … from 'x'` (not `import type`), across lines. */
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\s)[^;]*?\bfrom\s+'([^'.][^']*)'/gms;

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SERVER_ONLY.has(entry.name)) yield* sourceFiles(path);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.includes('.test.')) {
      yield path;
    }
  }
}

/** The package name of a bare specifier: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The bare specifiers (subpaths included) that src/ imports at run time, for `optimizeDeps.include`. Node
 * built-ins, server-only folders and packages that are not installed (optional peers) are left out.
 * @returns {string[]}
 */
export function browserDependencies() {
  const found = new Set();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      const specifier = match[1];
      if (specifier.startsWith('node:')) continue;
      if (!existsSync(join(ROOT, 'node_modules', packageOf(specifier), 'package.json'))) continue;
      found.add(specifier);
    }
  }
  return [...found].sort();
}

/**
 * A fresh temporary folder for one server's `cacheDir`, and the function that removes it.
 * @param {string} label part of the folder name, to tell them apart in the temp dir
 * @returns {{ dir: string, remove: () => void }}
 */
export function isolatedCacheDir(label) {
  const dir = mkdtempSync(join(tmpdir(), `isoflux-vite-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Resolves once the client environment's dependency bundles are written (at once when there are none).
 * @param {import('vite').ViteDevServer} server a server that is listening
 */
export async function whenDepsBundled(server) {
  const optimizer = server.environments?.client?.depsOptimizer;
  if (optimizer === undefined) return;
  if (optimizer.initState !== 'initialized') await optimizer.init();
  await optimizer.scanProcessing;
  const pending = () => Object.values({ ...optimizer.metadata.optimized, ...optimizer.metadata.discovered }).map((info) => info.processing);
  await Promise.all(pending());
}

/**
 * The `optimizeDeps` / `cacheDir` part of a Vite config for a server that serves pages importing src/.
 * @param {string} cacheDir from {@link isolatedCacheDir}
 * @param {string[]} [extra] more dependencies to bundle (those a fixture page imports itself)
 */
export function isolatedViteConfig(cacheDir, extra = []) {
  return {
    cacheDir,
    optimizeDeps: { noDiscovery: true, include: [...new Set([...browserDependencies(), ...extra])] },
  };
}
