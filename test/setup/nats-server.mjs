/**
 * Starts a private nats-server (JetStream + WebSocket) on free loopback ports for tests.
 *
 * Plain ESM JavaScript on purpose: Node scripts, Vitest's globalSetup, Node tests and the
 * Deno/workerd drivers all import this one file. Every server started here is killed by PID
 * when the process exits (normally or by SIGINT/SIGTERM), and its temp dir is removed.
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startBlackholeProxy } from './blackhole-proxy.mjs';

/** The exact command that fixes a missing nats-server (printed as the whole error message). */
export const NATS_INSTALL_FIX = 'apt-get install -y nats-server';

/** @returns {string} the nats-server executable: PATH first, then Debian's /usr/sbin. */
export function findNatsServer() {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  throw new Error(NATS_INSTALL_FIX);
}

/** @returns {Promise<number>} a port the kernel just handed out on 127.0.0.1 (then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Things not yet disposed (servers, clusters, proxies): each `killSync()`ed on exit, normally or by
 * SIGINT/SIGTERM/SIGHUP. Add with {@link killOnExit}; they remove themselves when disposed.
 * @type {Set<{ killSync(): void }>}
 */
export const live = new Set();
let hooksInstalled = false;

/**
 * Registers `resource` to be killed synchronously when the process exits; returns it.
 * @template {{ killSync(): void }} T
 * @param {T} resource
 * @returns {T}
 */
export function killOnExit(resource) {
  installExitHooks();
  live.add(resource);
  return resource;
}

function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const s of live) s.killSync();
  });
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    const onSignal = () => {
      for (const s of live) s.killSync();
      // Only exit when nobody else (e.g. Vitest) handles the signal; otherwise let them finish.
      if (process.listenerCount(sig) === 1) process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    };
    process.on(sig, onSignal);
  }
}

/**
 * @typedef {object} NatsServer
 * @property {string} tcpUrl      nats://127.0.0.1:P
 * @property {string | undefined} wsUrl ws://127.0.0.1:P (when `websocket` is on)
 * @property {string} monitorUrl  http://127.0.0.1:P (GET /healthz, /varz, /jsz …)
 * @property {number} pid         PID of the running server (changes after restart)
 * @property {string} storeDir    JetStream store dir (kept across restart)
 * @property {string} logFile
 * @property {() => Promise<void>} stop     SIGTERM by PID, wait for exit
 * @property {() => Promise<void>} kill     SIGKILL by PID (a crash), wait for exit
 * @property {() => Promise<void>} start    start again after stop()/kill(), same ports and store dir
 * @property {() => Promise<void>} restart  stop (if running), then start
 * @property {() => Promise<void>} dispose  stop and delete the temp dir
 * @property {string | undefined} controlUrl http://127.0.0.1:P of the control endpoint (see startControl)
 */

/**
 * A loopback HTTP endpoint through which tests in runtimes that cannot spawn processes (Chromium, Deno,
 * workerd) get a nats-server of their own and kill/restart it:
 *   POST /servers                → starts one (JetStream + WebSocket): `{ id, wsUrl, tcpUrl, monitorUrl }`
 *   POST /servers/<id>/restart   → SIGKILL, then start on the same ports: `{ restartedAt }` (epoch ms)
 *   POST /servers/<id>/dispose   → stops it and removes its temp dir
 *   POST /servers/<id>/proxy     → a black-hole proxy in front of its WebSocket port: `{ proxyId, wsUrl }`
 *   POST /proxies/<pid>/blackhole | /restore | /stats | /dispose → see blackhole-proxy.mjs (`{ at, ...stats }`)
 * Dedicated servers, so killing one never disturbs test files running in parallel on the shared one.
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
async function startControl() {
  /** @type {Map<string, NatsServer>} */
  const servers = new Map();
  /** @type {Map<string, import('./blackhole-proxy.mjs').BlackholeProxy>} */
  const proxies = new Map();
  let next = 0;
  const http = createHttpServer((req, res) => {
    const reply = (/** @type {number} */ status, /** @type {unknown} */ body) => {
      res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      res.end(JSON.stringify(body));
    };
    const parts = (req.url ?? '').split('/').filter(Boolean);
    if (req.method === 'POST' && parts[0] === 'proxies') {
      const proxy = proxies.get(parts[1] ?? '');
      if (!proxy) return reply(404, { error: `no proxy ${parts[1]}` });
      if (parts[2] === 'blackhole') proxy.blackhole();
      else if (parts[2] === 'restore') proxy.restore();
      else if (parts[2] === 'dispose') return void proxy.close().then(() => (proxies.delete(parts[1] ?? ''), reply(200, {})));
      else if (parts[2] !== 'stats') return reply(404, { error: `unknown action ${parts[2]}` });
      return reply(200, { at: Date.now(), ...proxy.stats() });
    }
    if (req.method !== 'POST' || parts[0] !== 'servers') return reply(404, { error: 'POST /servers, /servers/<id>/restart or /servers/<id>/dispose' });
    void (async () => {
      if (parts.length === 1) {
        const nats = await startNatsServer({ jetstream: true, websocket: true, control: false });
        const id = String(++next);
        servers.set(id, nats);
        return reply(200, { id, wsUrl: nats.wsUrl, tcpUrl: nats.tcpUrl, monitorUrl: nats.monitorUrl });
      }
      const nats = servers.get(parts[1] ?? '');
      if (!nats) return reply(404, { error: `no server ${parts[1]}` });
      if (parts[2] === 'restart') {
        await nats.kill();
        await nats.start();
        return reply(200, { restartedAt: Date.now() });
      }
      if (parts[2] === 'proxy') {
        const proxy = await startBlackholeProxy(Number(new URL(/** @type {string} */ (nats.wsUrl)).port));
        const proxyId = String(++next);
        proxies.set(proxyId, proxy);
        return reply(200, { proxyId, wsUrl: `ws://127.0.0.1:${proxy.port}` });
      }
      if (parts[2] === 'dispose') {
        servers.delete(parts[1] ?? '');
        await nats.dispose();
        return reply(200, {});
      }
      return reply(404, { error: `unknown action ${parts[2]}` });
    })().catch((error) => reply(500, { error: String(error) }));
  });
  http.unref();
  await new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (http.address());
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(() => resolve(undefined)));
      await Promise.all([...proxies.values()].map((p) => p.close()));
      proxies.clear();
      await Promise.all([...servers.values()].map((s) => s.dispose()));
      servers.clear();
    },
  };
}

/**
 * Starts nats-server on three free loopback ports and waits until GET /healthz says ok.
 * @param {{ jetstream?: boolean, websocket?: boolean, maxPayload?: number, extraConfig?: string, control?: boolean }} [options]
 * @returns {Promise<NatsServer>}
 */
export async function startNatsServer({ jetstream = true, websocket = true, maxPayload, extraConfig = '', control = true } = {}) {
  const bin = findNatsServer();
  installExitHooks();
  const dir = mkdtempSync(join(tmpdir(), 'isoflux-nats-'));
  const [tcpPort, wsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
  const storeDir = join(dir, 'jetstream');
  const config = (/** @type {string} */ extra) => [
    `listen: 127.0.0.1:${tcpPort}`,
    `http: 127.0.0.1:${httpPort}`,
    maxPayload ? `max_payload: ${maxPayload}` : '',
    jetstream ? `jetstream { store_dir: "${storeDir}", max_memory_store: 256MB, max_file_store: 1GB }` : '',
    websocket ? `websocket { host: 127.0.0.1, port: ${wsPort}, no_tls: true }` : '',
    extra,
  ].join('\n');
  const conf = config(extraConfig);
  const confFile = join(dir, 'nats.conf');
  const pidFile = join(dir, 'nats.pid');
  const logFile = join(dir, 'nats.log');
  writeFileSync(confFile, conf);

  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  /** @type {Promise<void>} */
  let exited = Promise.resolve();

  const monitorUrl = `http://127.0.0.1:${httpPort}`;
  const server = {
    tcpUrl: `nats://127.0.0.1:${tcpPort}`,
    wsUrl: websocket ? `ws://127.0.0.1:${wsPort}` : undefined,
    monitorUrl,
    pid: 0,
    /** @type {string | undefined} */
    controlUrl: undefined,
    storeDir,
    logFile,
    /** Synchronous kill for exit handlers (no awaiting possible there). */
    killSync() {
      if (child && child.exitCode === null && child.signalCode === null) {
        try { process.kill(server.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
      live.delete(server);
      try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
    },
    /** Starts the (stopped) server again on the same ports and store dir. */
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) throw new Error(`nats-server is already running (pid ${server.pid})`);
      child = spawn(bin, ['-c', confFile, '-P', pidFile, '-l', logFile], { stdio: 'ignore' });
      server.pid = /** @type {number} */ (child.pid);
      // A forgotten server must not keep Node alive; the exit hook kills it.
      child.unref();
      const c = child;
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      live.add(server);
      const deadline = Date.now() + 10_000;
      for (;;) {
        if (c.exitCode !== null || c.signalCode !== null) break;
        try {
          const res = await fetch(`${monitorUrl}/healthz`);
          if (res.ok && (await res.json()).status === 'ok') return;
        } catch { /* not listening yet */ }
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      let log = '';
      try { log = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n'); } catch { /* no log */ }
      await server.kill();
      throw new Error(`nats-server did not become healthy on ${monitorUrl}/healthz\n${log}`);
    },
    async signal(/** @type {NodeJS.Signals} */ sig) {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.ref(); // keep the event loop alive until the exit is observed
        process.kill(server.pid, sig);
      }
      await exited;
    },
    /**
     * Rewrites the config with `extra` in place of `extraConfig` and reloads it (SIGHUP by PID); resolves once
     * the server's log says it applied the new configuration, so a client connecting next meets it.
     */
    async reload(/** @type {string} */ extra) {
      const applied = () => {
        try { return readFileSync(logFile, 'utf8').split('Reloaded server configuration').length - 1; } catch { return 0; }
      };
      const before = applied();
      writeFileSync(confFile, config(extra));
      if (!(child && child.exitCode === null && child.signalCode === null)) return;
      process.kill(server.pid, 'SIGHUP');
      for (const deadline = Date.now() + 10_000; applied() === before; ) {
        if (Date.now() > deadline) throw new Error(`nats-server did not log a reload within 10 s (${logFile})`);
        await new Promise((resolve) => setTimeout(resolve, 10)); // poll: the log is the only signal
      }
    },
    stop: () => server.signal('SIGTERM'),
    kill: () => server.signal('SIGKILL'),
    async restart() {
      await server.stop();
      await server.start();
    },
    async dispose() {
      await controlEndpoint?.close();
      await server.stop();
      live.delete(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  /** @type {Awaited<ReturnType<typeof startControl>> | undefined} */
  let controlEndpoint;
  await server.start();
  if (control) {
    controlEndpoint = await startControl();
    server.controlUrl = controlEndpoint.url;
  }
  return server;
}
