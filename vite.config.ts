/**
 * One Vite config for two jobs.
 *
 * - `vite build` (after `tsc -p tsconfig.build.json` wrote the .d.ts files into dist/) builds the library:
 *   - `esm`: one ES module per public entry, `src/index.ts` → `dist/index.js` and every `src/<folder>/index.ts`
 *     → `dist/<folder>/index.js`, discovered at build time so a new transport needs no change here. Modules are
 *     preserved (dist/ mirrors src/ and its .d.ts files), so bundlers tree-shake per file and the entries share
 *     one copy of the core (one `IsofluxError` class for `instanceof`). Third-party imports stay external.
 *   - `iife`: `dist/isoflux.iife.js`, core + memory bus, minified, for a plain `<script>` tag (global `isoflux`).
 *   - `browser`: `dist/isoflux.browser.iife.js`, everything a script-tag page can use in one file (global
 *     `isoflux` too): core, memory, broadcast, outbox (idb-keyval), worker (comlink), nats (nats-core), and the
 *     composition entries, with their third-party clients bundled. Both lists and their size budgets:
 *     scripts/bundles.mjs.
 * - `vite` / `vite dev` (and `npm run demo`, which starts this config through `demo/serve.mjs`) serves the demo
 *   app in `demo/`, importing the library straight from `src/`.
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { SCRIPT_BUILDS } from './scripts/bundles.mjs';

const ROOT = fileURLToPath(new URL('.', import.meta.url));
const SRC = join(ROOT, 'src');
const OUT = join(ROOT, 'dist');
type ScriptFile = keyof typeof SCRIPT_BUILDS;
const VIRTUAL_PREFIX = 'virtual:isoflux-script/';
const SCRIPT_ENVIRONMENTS: Record<string, ScriptFile> = { iife: 'isoflux.iife.js', browser: 'isoflux.browser.iife.js' };

/**
 * `{ index: src/index.ts, memory/index: src/memory/index.ts, nats/internal: src/nats/internal.ts, … }`: the root
 * entry, every folder (and sub-folder, as `testing/page`) with an index.ts, and every folder's declared `internal.ts` (an entry for transports that
 * build on another, as jetstream on `isoflux/nats/internal`).
 */
function discoverEntries(): Record<string, string> {
  const entries: Record<string, string> = { index: join(SRC, 'index.ts') };
  for (const dirent of readdirSync(SRC, { withFileTypes: true })) {
    if (!dirent.isDirectory()) continue;
    for (const name of ['index', 'internal']) {
      const file = join(SRC, dirent.name, `${name}.ts`);
      if (existsSync(file)) entries[`${dirent.name}/${name}`] = file;
    }
    // a nested entry (`isoflux/testing/page`): a sub-folder with its own index.ts
    for (const sub of readdirSync(join(SRC, dirent.name), { withFileTypes: true })) {
      const file = join(SRC, dirent.name, sub.name, 'index.ts');
      if (sub.isDirectory() && existsSync(file)) entries[`${dirent.name}/${sub.name}/index`] = file;
    }
  }
  return entries;
}

/** A built entry nobody can import is a forgotten `exports` line: say so at build time. */
function warnAboutUnexportedEntries(entries: Record<string, string>): Plugin {
  return {
    name: 'isoflux:check-exports',
    applyToEnvironment: (environment) => environment.name === 'esm',
    buildStart() {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports?: Record<string, unknown> };
      for (const name of Object.keys(entries)) {
        const subpath = name === 'index' ? '.' : `./${name.replace(/\/index$/, '')}`;
        if (pkg.exports?.[subpath] === undefined) this.warn(`src/${name}.ts is built but package.json "exports" has no "${subpath}" entry`);
      }
    },
  };
}

/** The `<script>` entries: src/ entries re-exported from one module each, without a file in src/ for them. */
function scriptEntries(): Plugin {
  return {
    name: 'isoflux:script-entries',
    resolveId: (source) => (source.startsWith(VIRTUAL_PREFIX) ? `\0${source}` : undefined),
    load(id) {
      if (!id.startsWith(`\0${VIRTUAL_PREFIX}`)) return undefined;
      const parts = SCRIPT_BUILDS[id.slice(1 + VIRTUAL_PREFIX.length) as ScriptFile];
      return parts.map((part) => `export * from ${JSON.stringify(join(SRC, part))};`).join('\n');
    },
  };
}

/** One minified IIFE (global `isoflux`) with every dependency bundled. */
function scriptEnvironment(file: ScriptFile, shared: object) {
  const entry = `${VIRTUAL_PREFIX}${file}`;
  return {
    consumer: 'client' as const,
    build: {
      ...shared,
      minify: true,
      lib: { entry, formats: ['iife' as const], name: 'isoflux', fileName: () => file },
      rolldownOptions: { input: entry },
    },
  };
}

/** Bare specifiers (`@nats-io/nats-core`, `idb-keyval`, `comlink`, `postgres`, `@opentelemetry/api` …) are the user's to install. */
function isThirdParty(id: string): boolean {
  return !id.startsWith('.') && !id.startsWith('\0') && !isAbsolute(id);
}

function libraryConfig(): UserConfig {
  const entries = discoverEntries();
  const shared = { outDir: OUT, emptyOutDir: false, target: 'es2022', sourcemap: true, copyPublicDir: false } as const;
  return {
    publicDir: false,
    logLevel: 'warn',
    plugins: [warnAboutUnexportedEntries(entries), scriptEntries()],
    environments: {
      esm: {
        consumer: 'client',
        build: {
          ...shared,
          minify: false,
          lib: { entry: entries, formats: ['es'] },
          rolldownOptions: {
            external: isThirdParty,
            output: { preserveModules: true, preserveModulesRoot: SRC, entryFileNames: '[name].js' },
          },
        },
      },
      ...Object.fromEntries(Object.entries(SCRIPT_ENVIRONMENTS).map(([name, file]) => [name, scriptEnvironment(file, shared)])),
    },
    builder: {
      // Only the library environments: the implicit `client` one would look for an index.html.
      async buildApp(builder) {
        for (const name of ['esm', ...Object.keys(SCRIPT_ENVIRONMENTS)]) await builder.build(builder.environments[name]!);
      },
    },
  };
}

function demoConfig(): UserConfig {
  return {
    root: resolve(ROOT, 'demo'),
    publicDir: false,
    clearScreen: false,
    server: { host: '127.0.0.1' },
  };
}

export default defineConfig(({ command }) => (command === 'serve' ? demoConfig() : libraryConfig()));
