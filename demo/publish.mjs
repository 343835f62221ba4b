/**
 * Publishes one message into the running demo's NATS from Node, with isoflux's NATS bus over TCP, so a
 * person watching the demo page sees it arrive live in the NATS panel.
 *
 * Usage: node demo/publish.mjs [subject] [json] [--demo http://127.0.0.1:PORT]
 *   subject  default demo.chat.node (the page subscribes to demo.>)
 *   json     the payload as JSON text, default {"text":"hello from Node","at":"<now>"}
 *   --demo   the URL `npm run demo` printed; or set ISOFLUX_DEMO_URL, or ISOFLUX_DEMO_PORT (127.0.0.1)
 *
 * The demo's address comes from its `/__demo/config` route. Without a nats-server (the demo then runs its
 * NATS panel on its own isoflux HTTP endpoint) the message goes there, by POST. Exits 0 once the server has the message
 * (a flush round trip), 1 with a message that says what to do otherwise.
 * @module
 */
import { pathToFileURL } from 'node:url';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function fail(message) {
  console.error(`demo/publish: ${message}`);
  process.exit(1);
}

/**
 * esbuild and the NATS TCP client, loaded here rather than by a static import: on a clone where `npm install`
 * has not run, a static import would end the script with a raw ERR_MODULE_NOT_FOUND stack trace.
 */
async function loadDependencies() {
  try {
    const [{ build }, { connect }] = await Promise.all([import('esbuild'), import('@nats-io/transport-node')]);
    return { build, connect };
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    fail('the npm dependencies are not installed. Run npm run demo first (it installs them), or npm install.');
  }
}

/** `[subject, json, demoUrl]` from argv and the environment. */
function parseArgs(argv) {
  const positional = [];
  let demo = process.env.ISOFLUX_DEMO_URL ?? (process.env.ISOFLUX_DEMO_PORT ? `http://127.0.0.1:${process.env.ISOFLUX_DEMO_PORT}` : undefined);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--demo') demo = argv[++i];
    else if (argv[i].startsWith('--demo=')) demo = argv[i].slice('--demo='.length);
    else if (argv[i] === '--help' || argv[i] === '-h') (console.log('usage: node demo/publish.mjs [subject] [json] [--demo http://127.0.0.1:PORT]'), process.exit(0));
    else positional.push(argv[i]);
  }
  if (demo === undefined) fail('which demo? Start it with npm run demo and pass the URL it printed: --demo http://127.0.0.1:PORT (or set ISOFLUX_DEMO_PORT)');
  const [subject = 'demo.chat.node', json = JSON.stringify({ text: 'hello from Node', at: new Date().toISOString() })] = positional;
  return { subject, json, demo };
}

/** An isoflux module (`nats`, `http`), built from src/ (Node 20 cannot load TypeScript itself) into the git-ignored .tmp/. */
async function loadIsoflux(build, entry) {
  // one file per process: two scripts started at once must not read each other's half-written bundle
  const outfile = join(ROOT, '.tmp', `demo-publish-${entry}-${process.pid}.mjs`);
  await build({ entryPoints: [join(ROOT, `src/${entry}/index.ts`)], bundle: true, format: 'esm', platform: 'node', packages: 'external', outfile, logLevel: 'error' });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}

const { subject, json, demo } = parseArgs(process.argv.slice(2));
const { build, connect } = await loadDependencies();
let payload;
try {
  payload = JSON.parse(json);
} catch (error) {
  fail(`the payload is not JSON (${error.message}): ${json}`);
}
const demoUrl = new URL('/__demo/config', demo);
if (!LOOPBACK.has(demoUrl.hostname)) fail(`the demo only runs on loopback; ${demoUrl.host} is not`);

let config;
try {
  config = await (await fetch(demoUrl)).json();
} catch (error) {
  fail(`no demo answers at ${demoUrl.origin} (${error.cause?.message ?? error.message}); is npm run demo running there?`);
}
if (config.nats === null) {
  // no nats-server: the NATS panel runs on the demo server's own isoflux HTTP endpoint; publish there
  if (!subject.startsWith('demo.chat.')) fail(`without nats-server the page shows demo.chat.> only (the demo server's HTTP endpoint); ${subject} is not one`);
  const { createHttpClient } = await loadIsoflux(build, 'http');
  const endpoint = new URL(config.http.url, demo);
  try {
    await createHttpClient(endpoint).publish(subject, payload);
  } catch (error) {
    fail(`${error.code ?? error.name}: ${error.message}`);
  }
  console.log(`published to ${subject} via the demo server's HTTP endpoint ${endpoint.href} (no nats-server): ${JSON.stringify(payload)}`);
  process.exit(0);
}
if (!config.nats.running) fail('the demo\'s nats-server is stopped (the page\'s "Start broker" button starts it)');

const { createNatsBus } = await loadIsoflux(build, 'nats');
let nc;
try {
  nc = await connect({ servers: config.nats.tcpUrl, name: 'isoflux demo/publish.mjs' });
} catch (error) {
  fail(`cannot connect to ${config.nats.tcpUrl}: ${error.message}`);
}
try {
  const bus = createNatsBus(nc);
  await bus.publish(subject, payload);
  // publish resolves once queued (at-most-once); the flush makes sure the server has it before we exit
  await nc.flush();
  console.log(`published to ${subject} via ${config.nats.tcpUrl}: ${JSON.stringify(payload)}`);
} catch (error) {
  fail(`${error.code ?? error.name}: ${error.message}`);
} finally {
  await nc.close();
}
