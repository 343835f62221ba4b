/**
 * `npm run demo`: serves the demo app (demo/) with Vite on 127.0.0.1 and prints
 * `isoflux demo: http://127.0.0.1:PORT/` first. When nats-server is installed it also starts one with
 * JetStream and a WebSocket listener on free loopback ports for the NATS panel (stopped by PID on exit);
 * when it is not, it says how to get it and serves the page anyway (the NATS panel then says so too).
 * Never listens beyond loopback.
 *
 * Routes the page (and demo/publish.mjs, and the e2e tests) use:
 * - `GET /__demo/config`: `{ nats: { wsUrl, tcpUrl, running } | null, natsHint }`
 * - `POST /__demo/broker/stop`, `POST /__demo/broker/start`: stop / start that nats-server on the same
 *   ports and store, to show an outage (both idempotent; answer `{ running }`).
 *
 * On a fresh clone it first installs the npm dependencies (`npm ci`, falling back to `npm install`: see
 * scripts/prereqs.mjs), so `npm run demo` is the only command to type.
 *
 * Usage: node demo/serve.mjs [--port N]   (without --port the OS picks a free port)
 * Stops cleanly on SIGINT / SIGTERM (exit code 0).
 * @module
 */
import { fileURLToPath } from 'node:url';
import { ensureNodeModules } from '../scripts/prereqs.mjs';
import { NATS_INSTALL_FIX, startNatsServer } from '../test/setup/nats-server.mjs';

await ensureNodeModules('npm run demo');
// Imported only now: Vite is in node_modules, installed just above when it was missing.
const { createServer } = await import('vite');

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';

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
 * The demo's nats-server, or why there is none. A missing binary is not an error: the page still works
 * without the NATS panel's traffic, and says how to get it.
 */
async function startBroker() {
  try {
    return { broker: await startNatsServer({ jetstream: true, websocket: true }), hint: '' };
  } catch (error) {
    const missing = error instanceof Error && error.message === NATS_INSTALL_FIX;
    const hint = missing
      ? `nats-server is not installed, so the NATS panel has no server. Install it (${NATS_INSTALL_FIX}) and restart npm run demo.`
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

/** The demo's own routes, mounted on Vite's dev server. */
const demoRoutes = {
  name: 'isoflux-demo:routes',
  configureServer(server) {
    server.middlewares.use('/__demo/config', (req, res) => {
      const nats = broker === undefined ? null : { wsUrl: broker.wsUrl, tcpUrl: broker.tcpUrl, running: brokerRunning };
      sendJson(res, 200, { nats, natsHint });
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
    }
  },
};

const port = portFromArgs(process.argv.slice(2));
const server = await createServer({
  configFile: `${ROOT}vite.config.ts`,
  // strictPort: a webServer waiting for --port N must not be handed another port silently.
  server: { host: HOST, port, strictPort: true },
  logLevel: 'warn',
  plugins: [demoRoutes],
});
try {
  await server.listen();
} catch (error) {
  await server.close();
  await broker?.dispose();
  console.error(`isoflux demo: cannot listen on ${HOST}:${port} (${error instanceof Error ? error.message : String(error)}); pick another port with --port N, or omit it.`);
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
  void Promise.allSettled([server.close(), broker?.dispose()]).finally(() => process.exit(0));
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
