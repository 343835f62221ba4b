/**
 * `npm run demo`: serves the demo app (demo/) with Vite on 127.0.0.1 and prints
 * `isoflux demo: http://127.0.0.1:PORT/` once a page loads at once (its dependencies are bundled). When
 * nats-server is installed it also starts one with JetStream and a WebSocket listener on free loopback ports
 * for the NATS and outbox panels (stopped by PID on exit); when it is not, it says how to get it, and the
 * outbox panel relays to the demo's own isoflux HTTP endpoint instead (`createHttpHandler` of isoflux/http,
 * mounted here), so durability across a broker outage and reloads still shows.
 * Never listens beyond loopback.
 *
 * Routes the page (and demo/publish.mjs, and the e2e tests) use:
 * - `GET /__demo/config`: `{ nats: { wsUrl, tcpUrl, running } | null, natsHint, http: { url, running } }`
 * - `POST /__demo/broker/stop`, `POST /__demo/broker/start`: stop / start that nats-server on the same
 *   ports and store, to show an outage (both idempotent; answer `{ running }`).
 * - `POST /__demo/bus/<subject>`: the embedded HTTP endpoint (isoflux/http). It stores each message of
 *   `demo.outbox.>` once by message id (a redelivered id counts as a duplicate, like JetStream's de-dup), and
 *   answers 404 `no_responders` for other subjects (the poison message). `GET /__demo/bus-stats` gives
 *   `{ running, stored, duplicates, lastSubject }`; `POST /__demo/bus-control/stop|start` takes it away
 *   (it then answers 503) and brings it back.
 * - The same endpoint keeps the last messages of `demo.chat.>` for the NATS panel's embedded mode (no
 *   nats-server): `GET /__demo/bus-feed?after=N` answers `{ messages: [{ seq, subject, id, payload }], last }`
 *   with the messages after sequence N, waiting up to 20 s for one when there is none yet (a long poll).
 *
 * On a fresh clone it first installs the npm dependencies (`npm ci`, falling back to `npm install`: see
 * scripts/prereqs.mjs), so `npm run demo` is the only command to type.
 *
 * Usage: node demo/serve.mjs [--port N] [--no-nats] [--no-hmr]
 *   --port N    listen on N (default: the OS picks a free port)
 *   --no-nats   do not start nats-server even when installed (shows the demo as on a machine without it)
 *   --no-hmr    never reload open pages when a file changes (the e2e tests: an edit of src/ in the working
 *               tree would otherwise reload a page in the middle of a test)
 * Stops cleanly on SIGINT / SIGTERM (exit code 0).
 * @module
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ensureNodeModules } from '../scripts/prereqs.mjs';
import { NATS_INSTALL_FIX, startNatsServer } from '../test/setup/nats-server.mjs';
import { isolatedCacheDir, isolatedViteConfig, whenDepsBundled } from './vite-isolated.mjs';

await ensureNodeModules('npm run demo');
// Imported only now: Vite is in node_modules, installed just above when it was missing.
const { createServer } = await import('vite');

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';
const args = process.argv.slice(2);

/** `--port N` or `--port=N`; 0 (the OS picks) when absent. */
function portFromArgs(argv) {
  const i = argv.findIndex((a) => a === '--port' || a.startsWith('--port='));
  if (i === -1) return 0;
  const raw = argv[i].includes('=') ? argv[i].slice('--port='.length) : argv[i + 1];
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`isoflux demo: --port needs a number from 0 to 65535, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return port;
}

/**
 * The demo's nats-server, or why there is none. A missing binary is not an error: the page still works,
 * the outbox relays to the embedded HTTP endpoint, and the NATS panel says how to get a server.
 */
async function startBroker() {
  if (args.includes('--no-nats')) {
    return { broker: undefined, hint: 'npm run demo was started with --no-nats: the NATS and outbox panels use the demo server\'s own isoflux HTTP endpoint instead of a nats-server.' };
  }
  try {
    return { broker: await startNatsServer({ jetstream: true, websocket: true, control: false }), hint: '' };
  } catch (error) {
    const missing = error instanceof Error && error.message === NATS_INSTALL_FIX;
    const hint = missing
      ? `nats-server is not installed: the NATS and outbox panels use the demo server's own isoflux HTTP endpoint instead. For the real broker, install it (${NATS_INSTALL_FIX}) and restart npm run demo.`
      : `nats-server did not start, so the NATS panel has no server: ${error instanceof Error ? error.message : String(error)}`;
    return { broker: undefined, hint };
  }
}

const { broker, hint: natsHint } = await startBroker();
let brokerRunning = broker !== undefined;
/** Stop/start requests run one after the other, never interleaved. */
let brokerQueue = Promise.resolve();

/** Runs `change` after the previous broker change finished; resolves with whether the broker runs. */
function changeBroker(change) {
  const next = brokerQueue.then(change);
  brokerQueue = next.catch(() => undefined);
  return next;
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** Readiness: requests wait until the page's dependencies are bundled (resolved after listen). */
let markReady;
const ready = new Promise((resolve) => (markReady = resolve));

/**
 * The embedded HTTP broker: isoflux/http's handler (loaded from src/ through Vite, Node cannot load
 * TypeScript itself), subscribed to `demo.outbox.>`. Set up once the server exists.
 */
const bus = { running: true, stored: 0, duplicates: 0, lastSubject: '', seen: new Set(), listener: undefined };

/** The chat feed of the embedded endpoint: the last FEED_KEEP messages, and the long polls waiting for one. */
const FEED_KEEP = 200;
const feed = { seq: 0, messages: [], waiting: new Set() };

function feedAfter(after) {
  return { messages: feed.messages.filter((m) => m.seq > after), last: feed.seq };
}

function answerFeed(req, res) {
  const after = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('after') ?? 0) || 0;
  const now = feedAfter(after);
  if (now.messages.length > 0 || after > feed.seq) return sendJson(res, 200, now);
  const waiter = { after, res, timer: setTimeout(() => done(), 20_000) };
  const done = () => {
    clearTimeout(waiter.timer);
    if (!feed.waiting.delete(waiter)) return;
    sendJson(res, 200, feedAfter(after));
  };
  waiter.done = done;
  feed.waiting.add(waiter);
  req.on('close', () => {
    clearTimeout(waiter.timer);
    feed.waiting.delete(waiter);
  });
}

async function startHttpBus(server) {
  const http = await server.ssrLoadModule(join(ROOT, 'src/http/index.ts'));
  const handler = http.createHttpHandler({ basePath: '/' });
  handler.subscribe('demo.outbox.>', (message) => {
    bus.lastSubject = message.subject;
    if (bus.seen.has(message.id)) bus.duplicates++;
    else {
      bus.seen.add(message.id);
      bus.stored++;
    }
  });
  handler.subscribe('demo.chat.>', (message) => {
    feed.messages.push({ seq: ++feed.seq, subject: message.subject, id: message.id, payload: message.payload });
    if (feed.messages.length > FEED_KEEP) feed.messages.shift();
    for (const waiter of [...feed.waiting]) waiter.done();
  });
  bus.listener = http.toNodeListener(handler.fetch, `http://${HOST}`);
}

/** The demo's own routes, mounted on Vite's dev server. */
const demoRoutes = {
  name: 'isoflux-demo:routes',
  configureServer(server) {
    // first, before Vite's own middlewares: nothing is served before the bundles exist
    server.middlewares.use((req, res, next) => void ready.then(() => next()));
    server.middlewares.use('/__demo/config', (req, res) => {
      const nats = broker === undefined ? null : { wsUrl: broker.wsUrl, tcpUrl: broker.tcpUrl, running: brokerRunning };
      sendJson(res, 200, { nats, natsHint, http: { url: '/__demo/bus/', running: bus.running } });
    });
    for (const action of ['stop', 'start']) {
      server.middlewares.use(`/__demo/broker/${action}`, (req, res) => {
        if (req.method !== 'POST') return sendJson(res, 405, { error: `POST /__demo/broker/${action}` });
        if (broker === undefined) return sendJson(res, 503, { error: natsHint });
        changeBroker(async () => {
          if (action === 'stop') await broker.stop();
          else if (!brokerRunning) await broker.start();
          brokerRunning = action === 'start';
        }).then(
          () => sendJson(res, 200, { running: brokerRunning }),
          (error) => sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) }),
        );
      });
      server.middlewares.use(`/__demo/bus-control/${action}`, (req, res) => {
        if (req.method !== 'POST') return sendJson(res, 405, { error: `POST /__demo/bus-control/${action}` });
        bus.running = action === 'start';
        sendJson(res, 200, { running: bus.running });
      });
    }
    server.middlewares.use('/__demo/bus-feed', (req, res) => answerFeed(req, res));
    server.middlewares.use('/__demo/bus-stats', (req, res) => {
      sendJson(res, 200, { running: bus.running, stored: bus.stored, duplicates: bus.duplicates, lastSubject: bus.lastSubject });
    });
    // connect strips the mount path: the handler sees /<subject>
    server.middlewares.use('/__demo/bus', (req, res) => {
      if (!bus.running) return sendJson(res, 503, { code: 'unavailable', message: 'the demo\'s HTTP broker was taken away ("Bring it back" starts it)' });
      if (bus.listener === undefined) return sendJson(res, 503, { code: 'unavailable', message: 'the demo\'s HTTP broker is starting' });
      bus.listener(req, res);
    });
  },
};

const port = portFromArgs(args);
const cache = isolatedCacheDir('demo');
const server = await createServer({
  configFile: `${ROOT}vite.config.ts`,
  // strictPort: a webServer waiting for --port N must not be handed another port silently.
  server: { host: HOST, port, strictPort: true, ...(args.includes('--no-hmr') ? { hmr: false } : {}) },
  // own bundle cache, every dependency bundled up front: see vite-isolated.mjs
  ...isolatedViteConfig(cache.dir),
  logLevel: 'warn',
  plugins: [demoRoutes],
});
try {
  await server.listen();
  await Promise.all([whenDepsBundled(server), startHttpBus(server)]);
  markReady();
} catch (error) {
  markReady();
  await server.close();
  await broker?.dispose();
  cache.remove();
  console.error(`isoflux demo: cannot start on ${HOST}:${port} (${error instanceof Error ? error.message : String(error)}); pick another port with --port N, or omit it.`);
  process.exit(1);
}
const address = server.httpServer?.address();
if (address === null || typeof address !== 'object') throw new Error('isoflux demo: the dev server has no TCP address');
const url = `http://${HOST}:${address.port}`;
console.log(`isoflux demo: ${url}/`);
if (broker !== undefined) {
  console.log(`isoflux demo: nats-server (JetStream) at ${broker.wsUrl} (WebSocket) and ${broker.tcpUrl}`);
  console.log(`isoflux demo: publish from Node: node demo/publish.mjs demo.chat.node '{"text":"hello from Node"}' --demo ${url}`);
} else {
  console.log(`isoflux demo: ${natsHint}`);
}

/**
 * Vite also listens for SIGTERM (close, then exit with 143); whichever handler finishes first exits, and
 * both close the server before exiting (the nats-server is killed by PID on exit in any case, by
 * test/setup/nats-server.mjs). Exit code 0: stopping the demo is not a failure.
 */
function stop(signal) {
  console.log(`isoflux demo: stopping (${signal})`);
  process.exitCode = 0;
  void Promise.allSettled([server.close(), broker?.dispose()]).finally(() => {
    cache.remove();
    process.exit(0);
  });
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
process.once('exit', () => cache.remove());
