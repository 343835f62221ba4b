/**
 * The packed tarball, installed into a fresh project the way a user would, in every way people load a library:
 * Node ESM, Node `require()`, TypeScript (bundler and node16 resolution, with the `lib` the README asks for),
 * Deno, workerd (an esbuild bundle in Miniflare), a Vite page and plain `<script>` pages in Chromium. Plus the
 * size budgets (scripts/size.mjs --check) and the real weight of the built `<script>` files.
 *
 * Runs as its own step of `npm test` (scripts/test-package.mjs, config test/package/vitest.config.ts):
 * `npm run build`, `npm pack`, then `npm install --prefer-offline` (from the npm cache when the packages are
 * there: it also passes under `unshare -n`) of the tarball with its optional peers into one project and of the
 * tarball alone into another, both under os.tmpdir() and removed afterwards. About 45 s on the 2-core machine.
 * ISOFLUX_PACKAGE_NO_BUILD=1 reuses the dist/ already built (for a quick re-run while editing this file).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import { Miniflare } from 'miniflare';
import { chromium, type Browser } from 'playwright';
import { build as viteBuild, createLogger } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../harness/chromium';
import { SCRIPT_BUILDS, SIZE_BUDGETS } from '../../scripts/bundles.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');
const PEERS = ['@nats-io/nats-core', '@nats-io/jetstream', 'comlink', '@opentelemetry/api', 'playwright', '@types/node'];
const repoPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  exports: Record<string, string | Record<string, string>>;
  unpkg: string;
  jsdelivr: string;
};
const subpaths = Object.keys(repoPkg.exports).filter((s) => !s.endsWith('.json'));
const specifiers = subpaths.map((s) => (s === '.' ? 'isoflux' : `isoflux/${s.slice(2)}`));
/** Entries that run only in Node (a Playwright test): type-checked in their own program, with Node's types. */
const NODE_ONLY = new Set(['isoflux/playwright']);

/** npm sets npm_* variables for the script that runs us (`npm test`); a nested npm must not inherit them. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !/^npm_config_(cache|registry|userconfig)$/i.test(k)) continue;
    if (k === 'INIT_CWD' || k === 'NODE_OPTIONS' || k.startsWith('VITEST')) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...extra };
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws (the test asserts on `code` and shows the output). */
function sh(cmd: string, args: string[], cwd: string, timeout = 120_000, env?: Record<string, string>): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout, env: cleanEnv(env), maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (error && typeof error.code !== 'number' ? `\n${error.message}` : '') });
    });
  });
}

/** Fails with the command's whole output when it did not exit 0. */
function ok(ran: Ran, what: string): string {
  expect(ran.code, `${what} failed:\n${ran.stdout}\n${ran.stderr}`).toBe(0);
  return ran.stdout;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/** The `lib` line of the config block in README.md's "TypeScript setup": the test compiles with exactly what it tells users. */
function readmeLib(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## TypeScript setup'));
  const m = /```jsonc?\n[\s\S]*?"lib":\s*(\[[^\]]*\])/.exec(section);
  if (m === null) throw new Error('README.md has no "lib": [...] line in its "## TypeScript setup" section');
  return JSON.parse(m[1] as string) as string[];
}

// ─── the fresh project ──────────────────────────────────────────────────────────────────────────────────────
const checkTs = `import { createMemoryBus } from 'isoflux/memory';
import { IsofluxError, type Message } from 'isoflux';
import { connectNats, createNatsBus } from 'isoflux/nats';
import { createBroadcastBus } from 'isoflux/broadcast';
import { createOutbox, memoryStore } from 'isoflux/outbox';
import { createHttpHandler } from 'isoflux/http';
import { chain, recover } from 'isoflux/middleware';
${specifiers.map((s, i) => (NODE_ONLY.has(s) ? `const entry${i} = {};` : `import * as entry${i} from '${s}';`)).join('\n')}

type Topics = { 'orders.created': { id: string; total: number }; 'orders.*.shipped': { carrier: string } };
const bus = createMemoryBus<Topics>();
bus.subscribe('orders.>', (msg: Message<{ id: string; total: number } | { carrier: string }>) => void msg.payload);
await bus.publish('orders.created', { id: 'o-1', total: 1 });
// @ts-expect-error wrong payload for the subject: the types are real, not any
await bus.publish('orders.created', { carrier: 'ups' });
{
  await using scoped = createMemoryBus();
  void scoped;
}
const outbox = createOutbox({ store: memoryStore(), target: createMemoryBus() });
const handler = createHttpHandler();
void [IsofluxError, connectNats, createNatsBus, createBroadcastBus, outbox, handler, chain(recover())];
export const entries = [${specifiers.map((_, i) => `entry${i}`).join(', ')}];
`;

const memoryRoundTrip = () => `
const bus = createMemoryBus();
const got = [];
bus.subscribe('orders.>', (m) => { got.push(m.subject); });
bus.respond('math.double', (m) => m.payload * 2);
await bus.publish('orders.created', { id: 'o-1' });
const reply = await bus.request('math.double', 21);
let code;
try { await bus.request('math.triple', 1); } catch (error) { code = error.code; }
console.log(JSON.stringify({ got, reply: reply.payload, code, isoflux: typeof IsofluxError }));
`;
const EXPECTED_ROUND_TRIP = { got: ['orders.created'], reply: 42, code: 'no_responders', isoflux: 'function' };

const esmMjs = `${specifiers.map((s, i) => `import * as e${i} from '${s}';`).join('\n')}
import { createMemoryBus } from 'isoflux/memory';
import { IsofluxError } from 'isoflux';
const empty = [${specifiers.map((s, i) => `['${s}', e${i}]`).join(', ')}].filter(([, m]) => Object.keys(m).length === 0).map(([s]) => s);
if (empty.length) throw new Error('entries with no exports: ' + empty.join(', '));
${memoryRoundTrip()}`;

const requireCjs = `'use strict';
const loaded = ${JSON.stringify(specifiers)}.map((s) => [s, Object.keys(require(s)).length]);
const empty = loaded.filter(([, n]) => n === 0);
if (empty.length) throw new Error('entries with no exports: ' + empty.join(', '));
const { createMemoryBus } = require('isoflux/memory');
const { IsofluxError } = require('isoflux');
(async () => {
${memoryRoundTrip()}
})().catch((e) => { console.error(e); process.exit(1); });
`;

const denoTs = `import { createMemoryBus } from 'isoflux/memory';
import { IsofluxError } from 'isoflux';
import { createBroadcastBus } from 'isoflux/broadcast';
import { connectNats } from 'isoflux/nats';
import { createHttpHandler } from 'isoflux/http';
if (typeof createBroadcastBus !== 'function' || typeof connectNats !== 'function' || typeof createHttpHandler !== 'function') throw new Error('missing exports');
${memoryRoundTrip()}`;

const workerTs = `import { createMemoryBus } from 'isoflux/memory';
import { createHttpHandler } from 'isoflux/http';
import { connectNats } from 'isoflux/nats';

const handler = createHttpHandler({ basePath: '/events/' });
handler.respond('math.double', (m) => (m.payload as number) * 2);

export default {
  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname !== '/memory') return handler.fetch(request);
    const bus = createMemoryBus<{ 'jobs.run': number }>();
    const got: number[] = [];
    bus.subscribe('jobs.run', (m) => { got.push(m.payload); });
    for (const n of [1, 2, 3]) await bus.publish('jobs.run', n);
    return Response.json({ got, nats: typeof connectNats, ws: typeof WebSocket });
  },
};
`;

/** A page script: memory bus, two broadcast buses (one channel, one page), an outbox on IndexedDB relaying into the memory bus. */
const pageScript = (api: string) => `
const { createMemoryBus, createBroadcastBus, createOutbox, connectNats, exposeBus } = ${api};
const result = {};
const bus = createMemoryBus();
const delivered = new Promise((resolve) => bus.subscribe('orders.>', (m) => { resolve(m.subject); }));
await bus.publish('orders.created', { id: 'o-1' });
result.memory = await delivered;
const a = createBroadcastBus({ namespace: 'pkg-test' });
const b = createBroadcastBus({ namespace: 'pkg-test' });
const crossed = new Promise((resolve) => b.subscribe('cart.updated', (m) => { resolve(m.payload.items); }));
await a.publish('cart.updated', { items: 2 });
result.broadcast = await crossed;
const relayed = new Promise((resolve) => bus.subscribe('outbox.sent', (m) => { resolve(m.payload.n); }));
const outbox = createOutbox({ target: bus });
await outbox.publish('outbox.sent', { n: 7 });
// Delivery waits while the browser is offline (a network namespace without a route, say): then the entry
// must at least be stored durably.
result.online = navigator.onLine;
result.outbox = navigator.onLine ? await relayed : (await outbox.refreshStatus()).depth === 1 ? 'stored' : 'lost';
result.nats = typeof connectNats;
result.worker = typeof exposeBus;
window.__result = result;
`;
const EXPECTED_PAGE = { memory: 'orders.created', broadcast: 2, outbox: 7, nats: 'function', worker: 'function' };
/** What the page must report: delivered through the outbox when online, stored when the browser is offline. */
const expectedPage = (result: unknown, extra: object = {}) =>
  (result as { online?: boolean } | undefined)?.online === false
    ? { ...EXPECTED_PAGE, online: false, outbox: 'stored', ...extra }
    : { ...EXPECTED_PAGE, online: true, ...extra };

/** The README says a classic Worker can `importScripts` the browser build: it must not touch `window` or `document`. */
const classicWorkerJs = `importScripts('./node_modules/isoflux/dist/isoflux.browser.iife.js');
postMessage([typeof isoflux.exposeBus, typeof isoflux.createMemoryBus].join(','));
`;
const classicWorkerCheck = `
const w = new Worker('./classic-worker.js');
result.classicWorker = await new Promise((resolve) => {
  w.onmessage = (e) => resolve(e.data);
  w.onerror = (e) => resolve('error: ' + e.message);
});
w.terminate();
window.__result = result;
`;

const scriptPage = (file: string, body: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>isoflux script tag</title>
<script src="./node_modules/isoflux/dist/${file}"></script>
</head><body><script>
(async () => {
  try {
${body}
  } catch (error) { window.__result = { error: String(error && error.stack || error) }; }
})();
</script></body></html>
`;

const smallScriptBody = `
const bus = isoflux.createMemoryBus();
const got = [];
bus.subscribe('a.*', (m) => { got.push(m.payload); });
await bus.publish('a.b', 1);
window.__result = { got, broadcast: typeof isoflux.createBroadcastBus, error: typeof isoflux.IsofluxError };
`;

const viteIndexHtml = `<!doctype html>
<html><head><meta charset="utf-8"><title>isoflux vite</title></head>
<body><script type="module" src="./main.js"></script></body></html>
`;
const viteMainJs = `import { createMemoryBus } from 'isoflux/memory';
import { createBroadcastBus } from 'isoflux/broadcast';
import { createOutbox } from 'isoflux/outbox';
import { connectNats } from 'isoflux/nats';
import { exposeBus } from 'isoflux/worker';
const api = { createMemoryBus, createBroadcastBus, createOutbox, connectNats, exposeBus };
(async () => {
  try {
${pageScript('api')}
  } catch (error) { window.__result = { error: String(error && error.stack || error) }; }
})();
`;

// ─── a static file server (what unpkg or any CDN does for the script pages) and Chromium ────────────────────
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

function serveStatic(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

let browser: Browser | undefined;
/** Opens `url` in a fresh context; resolves with `window.__result` and every page error / console error. */
async function openPage(url: string): Promise<{ result: unknown; problems: string[] }> {
  browser ??= await chromium.launch(chromiumLaunchOptions);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
    });
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 10_000 }).catch(() => undefined);
    const result = await page.evaluate(() => (window as unknown as { __result?: unknown }).__result);
    return { result, problems };
  } finally {
    await context.close();
  }
}

// ─── the tests ───────────────────────────────────────────────────────────────────────────────────────────────
describe(`the packed tarball (${repoPkg.name}@${repoPkg.version})`, () => {
  const work = mkdtempSync(join(tmpdir(), 'isoflux-package-'));
  const app = join(work, 'app');
  /** The tarball alone, no optional peer: what a user of the memory bus installs. */
  const bare = join(work, 'bare');
  let packed: { filename: string; files: { path: string }[] };
  let installOutput = '';
  let web: { url: string; server: Server } | undefined;
  /** Both compilations start as soon as the project is written and run beside the other checks. */
  const tsc: Partial<Record<'bundler' | 'node16' | 'node-only', Promise<Ran>>> = {};

  beforeAll(async () => {
    if (process.env.ISOFLUX_PACKAGE_NO_BUILD !== '1') ok(await sh('npm', ['run', 'build'], ROOT, 180_000), 'npm run build');
    // --ignore-scripts: the build just ran (prepack would build again).
    const pack = ok(await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT), 'npm pack');
    packed = (JSON.parse(pack) as (typeof packed)[])[0] as typeof packed;
    const peers = PEERS.map((name) => `${name}@${(JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version}`);
    write(app, { 'package.json': JSON.stringify({ name: 'isoflux-packaging-app', private: true, type: 'module' }, null, 2) });
    const install = await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename), ...peers], app, 180_000);
    installOutput = install.stdout + install.stderr;
    ok(install, 'npm install of the tarball');
    write(bare, { 'package.json': JSON.stringify({ name: 'isoflux-packaging-bare', private: true, type: 'module' }, null, 2) });
    ok(await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename)], bare, 180_000), 'npm install of the tarball alone');
    const lib = readmeLib();
    const tsconfig = (resolution: 'bundler' | 'node16', files = ['check.ts'], types: string[] = []) => JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        module: resolution === 'bundler' ? 'esnext' : 'node16',
        moduleResolution: resolution,
        lib,
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types,
      },
      files,
    }, null, 2);
    write(app, {
      'check.ts': checkTs,
      'tsconfig.bundler.json': tsconfig('bundler'),
      'tsconfig.node16.json': tsconfig('node16'),
      'tsconfig.node-only.json': tsconfig('node16', ['check-node-only.ts'], ['node']),
      'check-node-only.ts': [...NODE_ONLY].map((s, i) => `import * as nodeOnly${i} from '${s}';\nexport const keys${i} = Object.keys(nodeOnly${i});`).join('\n'),
      'esm.mjs': esmMjs,
      'require.cjs': requireCjs,
      'deno.ts': denoTs,
      'worker.ts': workerTs,
      'vite/index.html': viteIndexHtml,
      'vite/main.js': viteMainJs,
      'script.html': scriptPage('isoflux.browser.iife.js', pageScript('isoflux').replace('window.__result = result;', classicWorkerCheck)),
      'classic-worker.js': classicWorkerJs,
      'small.html': scriptPage('isoflux.iife.js', smallScriptBody),
    });
    write(bare, {
      'memory.mjs': `import { createMemoryBus } from 'isoflux/memory';\nimport { IsofluxError } from 'isoflux';\n${memoryRoundTrip()}`,
      'vite/index.html': '<!doctype html><script type="module" src="./main.js"></script>\n',
      'vite/main.js': "import { connectNats } from 'isoflux/nats';\nconsole.log(typeof connectNats);\n",
    });
    for (const resolution of ['bundler', 'node16', 'node-only'] as const) {
      tsc[resolution] = sh(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${resolution}.json`, '--pretty', 'false'], app);
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled(Object.values(tsc));
    await browser?.close();
    await new Promise((r) => (web ? web.server.close(r) : r(undefined)));
    rmSync(work, { recursive: true, force: true });
  });

  it('holds LICENSE, README.md, dist/ and the script builds, and no sources or tests', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', ...Object.keys(SCRIPT_BUILDS).map((s) => `dist/${s}`)]) expect(files).toContain(f);
    expect(files.filter((f) => /^(src|test|bench|demo|scripts)\//.test(f))).toEqual([]);
    expect(readFileSync(join(app, 'node_modules/isoflux/LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('points every export, unpkg and jsdelivr at a file it ships', () => {
    const pkgDir = join(app, 'node_modules', 'isoflux');
    for (const [subpath, target] of Object.entries(repoPkg.exports)) {
      const targets = typeof target === 'string' ? [target] : Object.values(target);
      for (const t of targets) expect(existsSync(join(pkgDir, t)), `${subpath} → ${t}`).toBe(true);
      if (typeof target !== 'string') expect(Object.keys(target), `${subpath}: "types" first, "default" last`).toEqual(['types', 'import', 'default']);
    }
    expect(existsSync(join(pkgDir, repoPkg.unpkg))).toBe(true);
    expect(existsSync(join(pkgDir, repoPkg.jsdelivr))).toBe(true);
  });

  it('installs with no warning but the known EBADENGINE of @nats-io/nuid on Node 20', () => {
    const engines = [...installOutput.matchAll(/EBADENGINE.*\n.*package: '([^']+)'/g)].map((m) => m[1]?.replace(/@[^@]+$/, ''));
    expect(engines.filter((p) => p !== '@nats-io/nuid')).toEqual([]);
  });

  it('Node ESM: every entry imports, the memory bus works', async () => {
    const out = ok(await sh(process.execPath, ['esm.mjs'], app), 'node esm.mjs');
    expect(JSON.parse(out)).toEqual(EXPECTED_ROUND_TRIP);
  });

  it('Node require(): every entry loads through require(esm), the memory bus works', async () => {
    const out = ok(await sh(process.execPath, ['require.cjs'], app), 'node require.cjs');
    expect(JSON.parse(out)).toEqual(EXPECTED_ROUND_TRIP);
  });

  it('TypeScript: the Node-only entries (isoflux/playwright) with Node\'s types, skipLibCheck false', async () => {
    ok(await (tsc['node-only'] as Promise<Ran>), 'tsc (node-only)');
  }, 60_000);

  for (const resolution of ['bundler', 'node16'] as const) {
    it(`TypeScript, moduleResolution ${resolution}, the README's lib, skipLibCheck false`, async () => {
      ok(await (tsc[resolution] as Promise<Ran>), `tsc (${resolution})`);
    }, 60_000);
  }

  it('Deno: bare specifiers from node_modules (--node-modules-dir=manual), offline', async () => {
    const out = ok(await sh(join(BIN, 'deno'), ['run', '-A', '--node-modules-dir=manual', '--no-lock', 'deno.ts'], app), 'deno run');
    expect(JSON.parse(out)).toEqual(EXPECTED_ROUND_TRIP);
  }, 60_000);

  it('workerd: an esbuild bundle of the package runs in Miniflare', async () => {
    await esbuild({
      absWorkingDir: app,
      entryPoints: ['worker.ts'],
      outfile: join(app, 'worker.bundle.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['workerd', 'worker', 'browser'],
      logLevel: 'silent',
    });
    const mf = new Miniflare({ modules: true, modulesRoot: app, scriptPath: join(app, 'worker.bundle.mjs'), compatibilityDate: '2026-04-01' });
    try {
      const memory = await mf.dispatchFetch('http://worker.test/memory');
      expect(await memory.json()).toEqual({ got: [1, 2, 3], nats: 'function', ws: 'function' });
      const reply = await mf.dispatchFetch('http://worker.test/events/math.double', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '21' });
      expect([reply.status, await reply.text()]).toEqual([200, '42']);
    } finally {
      await mf.dispose();
    }
  }, 60_000);

  it('a Vite page: builds without warnings, broadcast and outbox work in Chromium', async () => {
    const warnings: string[] = [];
    const logger = createLogger('warn', { allowClearScreen: false });
    logger.warn = (msg) => void warnings.push(msg);
    logger.warnOnce = (msg) => void warnings.push(msg);
    await viteBuild({ root: join(app, 'vite'), configFile: false, base: './', logLevel: 'warn', customLogger: logger, build: { outDir: join(app, 'vite/dist'), emptyOutDir: true } });
    expect(warnings).toEqual([]);
    web ??= await serveStatic(app);
    const { result, problems } = await openPage(`${web.url}/vite/dist/index.html`);
    expect({ result, problems }).toEqual({ result: expectedPage(result), problems: [] });
  }, 60_000);

  it('without any optional peer: the memory bus works in Node; Vite names the missing client as the README says', async () => {
    expect(JSON.parse(ok(await sh(process.execPath, ['memory.mjs'], bare), 'node memory.mjs (no peers)'))).toEqual(EXPECTED_ROUND_TRIP);
    const failure = await viteBuild({ root: join(bare, 'vite'), configFile: false, logLevel: 'silent', build: { outDir: join(bare, 'vite/dist') } }).then(
      () => 'built',
      (error: Error) => error.message,
    );
    const marker = '__vite-optional-peer-dep:@nats-io/nats-core';
    expect(failure).toContain(marker);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'README.md "Install" explains this message').toContain(marker);
  }, 60_000);

  it('a plain <script> page: isoflux.browser.iife.js gives the global isoflux with broadcast, outbox, nats, worker', async () => {
    web ??= await serveStatic(app);
    const { result, problems } = await openPage(`${web.url}/script.html`);
    expect({ result, problems }).toEqual({ result: expectedPage(result, { classicWorker: 'function,function' }), problems: [] });
  }, 60_000);

  it('a plain <script> page: isoflux.iife.js gives the core and the memory bus', async () => {
    web ??= await serveStatic(app);
    const { result, problems } = await openPage(`${web.url}/small.html`);
    expect({ result, problems }).toEqual({ result: { got: [1], broadcast: 'undefined', error: 'function' }, problems: [] });
  }, 60_000);

  it('every entry and script file is within its size budget; README figures are current', async () => {
    ok(await sh(process.execPath, [join(ROOT, 'scripts/size.mjs'), '--check'], ROOT), 'node scripts/size.mjs --check');
    // The shipped script files themselves (built by Vite, not esbuild) keep the same budgets.
    for (const file of Object.keys(SCRIPT_BUILDS)) {
      const gzip = gzipSync(readFileSync(join(app, 'node_modules/isoflux/dist', file)), { level: 9 }).byteLength;
      expect(gzip, `dist/${file} gzip bytes`).toBeLessThanOrEqual(SIZE_BUDGETS[file]?.withDeps ?? 0);
    }
  });
});
