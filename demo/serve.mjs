/**
 * `npm run demo`: serves the demo app (demo/) with Vite on 127.0.0.1 and prints one line,
 * `isoflux demo: http://127.0.0.1:PORT/`. Never listens beyond loopback.
 *
 * Usage: node demo/serve.mjs [--port N]   (without --port the OS picks a free port)
 * Stops cleanly on SIGINT / SIGTERM (exit code 0).
 * @module
 */
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

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

const port = portFromArgs(process.argv.slice(2));
const server = await createServer({
  configFile: `${ROOT}vite.config.ts`,
  // strictPort: a webServer waiting for --port N must not be handed another port silently.
  server: { host: HOST, port, strictPort: true },
  logLevel: 'warn',
});
try {
  await server.listen();
} catch (error) {
  await server.close();
  console.error(`isoflux demo: cannot listen on ${HOST}:${port} (${error instanceof Error ? error.message : String(error)}); pick another port with --port N, or omit it.`);
  process.exit(1);
}
const address = server.httpServer?.address();
if (address === null || typeof address !== 'object') throw new Error('isoflux demo: the dev server has no TCP address');
console.log(`isoflux demo: http://${HOST}:${address.port}/`);

/**
 * Vite also listens for SIGTERM (close, then exit with 143); whichever handler finishes first exits, and
 * both close the server before exiting. Exit code 0: stopping the demo is not a failure.
 */
function stop(signal) {
  console.log(`isoflux demo: stopping (${signal})`);
  process.exitCode = 0;
  void server.close().finally(() => process.exit(0));
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
