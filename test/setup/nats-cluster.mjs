/**
 * Starts a private three-node nats-server cluster with JetStream on loopback, for tests of what a single
 * server cannot show: a client moving to another node, a stream leader election, a node rejoining.
 *
 * Each node has its own client, cluster (route), WebSocket and monitoring port and its own JetStream store
 * dir; every node lists every route. Plain ESM JavaScript like nats-server.mjs, whose helpers it reuses.
 * Every process started here is killed by PID when the process exits (normally or by SIGINT/SIGTERM/SIGHUP),
 * and the temp dir is removed.
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServer, freePort, killOnExit, live } from './nats-server.mjs';

/**
 * The first port of the kernel's ephemeral range (local ports of outgoing connections), 32768 on Linux.
 * @returns {number}
 */
function ephemeralStart() {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && low > 2048) return low;
  } catch { /* not Linux */ }
  return 0;
}

/**
 * @param {number} port
 * @returns {Promise<boolean>} whether 127.0.0.1:port can be bound now
 */
function bindable(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A free loopback port below the ephemeral range. `freePort()` hands out ephemeral ports, which is fine for
 * one server, but a cluster's nodes dial each other while they start (and redial a dead node all the time):
 * each of those outgoing connections takes an ephemeral local port, and once took a port just handed to a
 * node that had not bound it yet ("address already in use"). Below the range only listeners compete.
 * @param {Set<number>} taken ports already chosen for this cluster
 * @returns {Promise<number>}
 */
async function clusterPort(taken) {
  const top = ephemeralStart();
  if (top > 12_000) {
    for (let tries = 0; tries < 200; tries++) {
      const port = 10_000 + Math.floor(Math.random() * (top - 10_000));
      if (!taken.has(port) && (await bindable(port))) return taken.add(port), port;
    }
  }
  for (;;) {
    const port = await freePort();
    if (!taken.has(port)) return taken.add(port), port;
  }
}

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * GET `url` as JSON, or undefined when the server does not answer (yet).
 * @param {string} url
 * @returns {Promise<any>}
 */
async function getJson(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @param {string} logFile
 * @returns {string} the last lines of a node's log, for error messages
 */
function tail(logFile) {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts `size` (default 3) nats-servers that form one cluster with JetStream, and resolves once every node
 * answers `/healthz?js-enabled-only=true` and all of them agree on a JetStream meta leader (before that,
 * creating a replicated stream fails).
 * @param {{ size?: number, name?: string, readyTimeoutMs?: number }} [options]
 */
export async function startNatsCluster({ size = 3, name = 'isoflux', readyTimeoutMs = 20_000 } = {}) {
  const bin = findNatsServer();
  const dir = mkdtempSync(join(tmpdir(), 'isoflux-cluster-'));
  const ports = [];
  const taken = new Set();
  for (let i = 0; i < size; i++) ports.push({ client: await clusterPort(taken), route: await clusterPort(taken), ws: await clusterPort(taken), http: await clusterPort(taken) });
  const routes = ports.map((p) => `nats-route://127.0.0.1:${p.route}`).join(', ');

  const nodes = ports.map((p, i) => {
    const serverName = `n${i + 1}`;
    const nodeDir = join(dir, serverName);
    mkdirSync(nodeDir);
    const storeDir = join(nodeDir, 'jetstream');
    const confFile = join(nodeDir, 'nats.conf');
    const logFile = join(nodeDir, 'nats.log');
    const pidFile = join(nodeDir, 'nats.pid');
    writeFileSync(
      confFile,
      [
        `server_name: ${serverName}`,
        `listen: 127.0.0.1:${p.client}`,
        `http: 127.0.0.1:${p.http}`,
        `jetstream { store_dir: "${storeDir}", max_memory_store: 256MB, max_file_store: 1GB }`,
        `websocket { host: 127.0.0.1, port: ${p.ws}, no_tls: true }`,
        `cluster { name: ${name}, listen: 127.0.0.1:${p.route}, routes: [${routes}] }`,
      ].join('\n'),
    );

    /** @type {import('node:child_process').ChildProcess | undefined} */
    let child;
    /** @type {Promise<void>} */
    let exited = Promise.resolve();
    const monitorUrl = `http://127.0.0.1:${p.http}`;
    const isRunning = () => child !== undefined && child.exitCode === null && child.signalCode === null;

    const node = {
      name: serverName,
      tcpUrl: `nats://127.0.0.1:${p.client}`,
      wsUrl: `ws://127.0.0.1:${p.ws}`,
      monitorUrl,
      pid: 0,
      storeDir,
      logFile,
      get running() {
        return isRunning();
      },
      /** Spawns the process; `start()` also waits for it to be healthy. */
      spawn() {
        if (isRunning()) throw new Error(`nats-server ${serverName} is already running (pid ${node.pid})`);
        const c = spawn(bin, ['-c', confFile, '-P', pidFile, '-l', logFile], { stdio: 'ignore' });
        child = c;
        node.pid = /** @type {number} */ (c.pid);
        // A forgotten node must not keep Node alive; the exit hook kills it.
        c.unref();
        exited = new Promise((resolve) => c.once('exit', () => resolve()));
      },
      /** Resolves when `/healthz?js-enabled-only=true` answers ok; rejects with the log when the process died or the deadline passed. */
      async healthy(deadline = Date.now() + readyTimeoutMs) {
        for (;;) {
          if (!isRunning()) throw new Error(`nats-server ${serverName} exited while starting\n${tail(logFile)}`);
          const health = await getJson(`${monitorUrl}/healthz?js-enabled-only=true`);
          if (health?.status === 'ok') return;
          if (Date.now() > deadline) throw new Error(`nats-server ${serverName} did not become healthy on ${monitorUrl}/healthz\n${tail(logFile)}`);
          await sleep(20);
        }
      },
      async start() {
        node.spawn();
        await node.healthy();
      },
      /** GET `/jsz` of this node (`meta_cluster.leader`, stream counts …). */
      jsz() {
        return getJson(`${monitorUrl}/jsz`);
      },
      /**
       * Resolves once `routes` (default 1) other nodes have told this one, over their routes, of a subscription
       * to exactly `pattern` (`/routez?subs=1`): from then on a message published here reaches them. Interest
       * travels between nodes asynchronously, so a subscriber's own `flush()` does not promise this.
       * @param {string} pattern
       * @param {{ routes?: number, timeoutMs?: number }} [options]
       */
      async routedInterest(pattern, { routes = 1, timeoutMs = 5000 } = {}) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const routez = await getJson(`${monitorUrl}/routez?subs=1`);
          const listing = (routez?.routes ?? []).filter((/** @type {any} */ r) =>
            (r.subscriptions_list ?? []).some((/** @type {string} */ s) => s === pattern || s.startsWith(`${pattern} `)),
          );
          if (listing.length >= routes) return;
          if (Date.now() > deadline) throw new Error(`nats-server ${serverName}: ${listing.length} of ${routes} route(s) announced a subscription to ${JSON.stringify(pattern)} within ${timeoutMs} ms`);
          await sleep(10);
        }
      },
      killSync() {
        if (isRunning()) {
          try { process.kill(node.pid, 'SIGKILL'); } catch { /* already gone */ }
        }
      },
      async signal(/** @type {NodeJS.Signals} */ sig) {
        if (isRunning()) {
          child?.ref(); // keep the event loop alive until the exit is observed
          process.kill(node.pid, sig);
        }
        await exited;
      },
      stop: () => node.signal('SIGTERM'),
      kill: () => node.signal('SIGKILL'),
      async restart() {
        await node.stop();
        await node.start();
      },
    };
    return node;
  });

  const cluster = {
    name,
    nodes,
    wsUrls: nodes.map((n) => n.wsUrl),
    tcpUrls: nodes.map((n) => n.tcpUrl),
    /** @param {string} serverName */
    node(serverName) {
      const found = nodes.find((n) => n.name === serverName);
      if (found === undefined) throw new Error(`no node named ${JSON.stringify(serverName)} in cluster ${name} (nodes: ${nodes.map((n) => n.name).join(', ')})`);
      return found;
    },
    /** Resolves with the JetStream meta leader every running node agrees on (waiting for one up to `timeoutMs`). */
    async metaLeader(timeoutMs = readyTimeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const running = nodes.filter((n) => n.running);
        const leaders = await Promise.all(running.map(async (n) => (await n.jsz())?.meta_cluster?.leader));
        const first = leaders[0];
        if (first && leaders.every((l) => l === first)) return /** @type {string} */ (first);
        if (Date.now() > deadline) throw new Error(`cluster ${name}: no JetStream meta leader agreed within ${timeoutMs} ms (nodes say ${JSON.stringify(leaders)})`);
        await sleep(50);
      }
    },
    killSync() {
      for (const n of nodes) n.killSync();
      live.delete(cluster);
      try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
    },
    async dispose() {
      await Promise.all(nodes.map((n) => n.stop()));
      live.delete(cluster);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  killOnExit(cluster);
  try {
    // all at once: a node waits for its routes, so starting one after another only adds up the waits
    for (const n of nodes) n.spawn();
    const deadline = Date.now() + readyTimeoutMs;
    await Promise.all(nodes.map((n) => n.healthy(deadline)));
    await cluster.metaLeader(Math.max(0, deadline - Date.now()));
  } catch (error) {
    cluster.killSync();
    throw error;
  }
  return cluster;
}
