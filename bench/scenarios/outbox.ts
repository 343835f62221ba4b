/**
 * @module The outbox group, measured in Chromium on real IndexedDB (the only place the outbox's default store
 * exists): `outbox/enqueue`, durable publishes per second against a naive outbox doing one idb-keyval `set`
 * per message, and `outbox/drain-jetstream`, entries per second going from IndexedDB to acknowledged by a
 * real JetStream (then removed). The page code is bench/scenarios/outbox-page.ts, bundled here with esbuild
 * and served from a loopback HTTP server; each run times itself in the page, so the round trip to the page
 * is not counted. Workbox's background-sync Queue is not a contestant: it is not installed (it needs a
 * service-worker build to run at all), and its per-request model is the naive one measured here.
 */
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { chromiumLaunchOptions } from '../../test/harness/chromium.js';
import { startNatsServer, type NatsServer } from '../../test/setup/nats-server.mjs';
import { BenchUnavailableError, type Bench, type BenchGroup, type Contestant, type Scenario } from '../lib/types.js';

interface BenchPage {
  enqueue(n: number, perTick?: number): Promise<number>;
  enqueueNaive(n: number): Promise<number>;
  openDrain(wsUrl: string, subjectPrefix: string, keys: number, orderBy: 'subject' | 'none'): Promise<void>;
  drain(n: number, backlog: number): Promise<number>;
}
declare const bench: BenchPage;

/** Resolves both from this file and from its bundle in bench/.cache/ (a sibling folder). */
const PAGE_ENTRY = fileURLToPath(new URL('../scenarios/outbox-page.ts', import.meta.url));
/** Entries kept waiting during the drain measurement, so the relay always has a full window. */
const BACKLOG = 4000;

let browser: Browser | undefined;
let http: Server | undefined;
let nats: NatsServer | undefined;
let origin = '';

/**
 * Each contestant gets a context of its own: pages sharing one window are background tabs to each other, and
 * Chromium throttles the timers of background tabs (NATS flushes would then crawl).
 */
async function openPage(): Promise<Page> {
  const page = await (await (browser as Browser).newContext()).newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => document.title === 'ready');
  return page;
}

function counted(page: Page, call: (page: Page, n: number) => Promise<number>): Bench {
  let done = 0;
  return {
    async run(n) {
      const ms = await call(page, n);
      done += n;
      return ms;
    },
    delivered: () => done,
    checksum: () => done,
    teardown: () => page.context().close(),
  };
}

const enqueue: Scenario = {
  name: 'outbox/enqueue',
  unit: 'msg/s',
  description: 'n publishes issued together (one tick) in a Chromium page, timed until every one is durable in IndexedDB (transaction complete)',
  expectedDeliveries: (ops) => ops,
  targets: [{ peer: 'naive idb-keyval set', minRatio: 10 }],
  contestants: [
    {
      name: 'isoflux',
      role: 'isoflux',
      note: 'outbox.publish(subject, payload): the publishes of one tick share one IndexedDB transaction; each resolves when it completed',
      setup: async () => counted(await openPage(), (page, n) => page.evaluate((k) => bench.enqueue(k), n)),
    },
    {
      name: 'isoflux (10 per tick)',
      role: 'variant',
      note: 'the same publishes, 10 per tick: one transaction per 10 messages, transactions pipelined',
      setup: async () => counted(await openPage(), (page, n) => page.evaluate((k) => bench.enqueue(k, 10), n)),
    },
    {
      name: 'isoflux (1 per tick)',
      role: 'variant',
      note: 'one publish per tick: one transaction per message, as the naive outbox (plus the seq and depth bookkeeping)',
      setup: async () => counted(await openPage(), (page, n) => page.evaluate((k) => bench.enqueue(k, 1), n)),
    },
    {
      name: 'naive idb-keyval set',
      role: 'peer',
      note: 'idb-keyval set(id, entry) per message, all issued at once: one IndexedDB transaction each',
      setup: async () => counted(await openPage(), (page, n) => page.evaluate((k) => bench.enqueueNaive(k), n)),
    },
  ],
};

function drainContestant(name: string, role: 'isoflux' | 'variant', keys: number, orderBy: 'subject' | 'none', note: string): Contestant {
  return {
    name,
    role,
    note,
    async setup() {
      const page = await openPage();
      const prefix = `outbox${Date.now().toString(36)}${keys}${orderBy}`;
      const nc = await connect({ servers: (nats as NatsServer).tcpUrl });
      await (await jetstreamManager(nc)).streams.add({ name: prefix, subjects: [`${prefix}.>`] });
      await nc.close();
      await page.evaluate(([url, p, k, o]) => bench.openDrain(url, p, k, o), [(nats as NatsServer).wsUrl as string, prefix, keys, orderBy] as const);
      return counted(page, (pg, n) => pg.evaluate(([k, b]) => bench.drain(k, b), [n, BACKLOG] as const));
    },
  };
}

const drain: Scenario = {
  name: 'outbox/drain-jetstream',
  unit: 'msg/s',
  description: `entries going from IndexedDB to acknowledged by JetStream (nats-server over WebSocket), with ${BACKLOG}+ entries waiting; removals batched behind the acks`,
  expectedDeliveries: (ops) => ops,
  contestants: [
    drainContestant('isoflux', 'isoflux', 64, 'subject', 'relay with default options, messages spread over 64 subjects (FIFO per subject, up to 64 publishes in flight)'),
    drainContestant('isoflux (16 subjects)', 'variant', 16, 'subject', '16 subjects: at most 16 publishes in flight'),
    drainContestant('isoflux (1 subject, strict FIFO)', 'variant', 1, 'subject', 'one subject: one publish in flight at a time, bounded by the JetStream round trip'),
    drainContestant('isoflux (orderBy: none)', 'variant', 1, 'none', 'no ordering: up to 64 publishes in flight'),
  ],
};

const group: BenchGroup = {
  name: 'outbox',
  async check() {
    try {
      await (await chromium.launch(chromiumLaunchOptions)).close();
    } catch (error) {
      throw new BenchUnavailableError(`Chromium is needed for the outbox benchmarks (IndexedDB): apt-get install -y chromium (${String(error)})`);
    }
  },
  async setup() {
    const bundle = await build({ entryPoints: [PAGE_ENTRY], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'error' });
    const script = bundle.outputFiles[0]!.text;
    http = createServer((req, res) => {
      if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>loading</title><script type="module" src="/page.js"></script>');
    });
    await new Promise<void>((resolve) => (http as Server).listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    [browser, nats] = await Promise.all([chromium.launch(chromiumLaunchOptions), startNatsServer({ jetstream: true, websocket: true })]);
  },
  async teardown() {
    await browser?.close();
    await nats?.dispose();
    await new Promise((resolve) => http?.close(resolve));
  },
  scenarios: [enqueue, drain],
};

export default group;
