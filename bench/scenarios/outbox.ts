/**
 * @module The outbox group, measured in Chromium on real IndexedDB (the only place the outbox's default store
 * exists): `outbox/enqueue` (a burst of durable publishes) against idb-keyval's batch API `setMany` and a
 * naive `set` per message, `outbox/enqueue-awaited` (one by one) against an awaited `set` per message, and
 * `outbox/drain-jetstream`, entries per second going from IndexedDB to acknowledged by a real JetStream
 * (then removed) against a raw pipelined JetStream publish of the same entries. Every delivery is verified
 * where it landed: IndexedDB read back, or the stream's state read from the server. The page code is bench/scenarios/outbox-page.ts, bundled here with esbuild
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
import { BenchUnavailableError, isQuick, type Bench, type BenchGroup, type Contestant, type Scenario } from '../lib/types.js';

interface Outcome {
  ms: number;
  found: number;
  checksum: number;
}
interface BenchPage {
  enqueue(n: number, perTick?: number): Promise<Outcome>;
  enqueueAwaited(n: number): Promise<Outcome>;
  enqueueSetMany(n: number): Promise<Outcome>;
  enqueueSet(n: number): Promise<Outcome>;
  enqueueSetAwaited(n: number): Promise<Outcome>;
  openDrain(wsUrl: string, subjectPrefix: string, keys: number, orderBy: 'subject' | 'none'): Promise<void>;
  drain(n: number, backlog: number): Promise<number>;
  openRaw(wsUrl: string, subjectPrefix: string, keys: number): Promise<void>;
  rawDrain(n: number, window: number): Promise<number>;
  acked(): number;
}
declare const bench: BenchPage;

/** Resolves both from this file and from its bundle in bench/.cache/ (a sibling folder). */
const PAGE_ENTRY = fileURLToPath(new URL('../scenarios/outbox-page.ts', import.meta.url));
/** Entries kept waiting during the drain measurement, so the relay always has a full window. */
const BACKLOG = isQuick() ? 1000 : 4000;
/** Acks in flight in the raw reference: the relay's own default window (64 ordering keys, one each). */
const WINDOW = 64;

let browser: Browser | undefined;
let http: Server | undefined;
let nats: NatsServer | undefined;
let origin = '';

/**
 * Each contestant gets a context of its own (its own IndexedDB): pages sharing one window are background
 * tabs to each other, and Chromium throttles the timers of background tabs (NATS flushes would then crawl).
 */
async function openPage(): Promise<Page> {
  const page = await (await (browser as Browser).newContext()).newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => document.title === 'ready');
  return page;
}

/** An enqueue contestant: deliveries are the entries found when reading IndexedDB back, not a counter. */
function readBack(page: Page, call: (page: Page, n: number) => Promise<Outcome>): Bench {
  let found = 0;
  let checksum = 0;
  return {
    async run(n) {
      const outcome = await call(page, n);
      if (outcome.found < 0) throw new Error(`reading IndexedDB back found ${-outcome.found} entries, none of them from this run`);
      found += outcome.found;
      checksum += outcome.checksum;
      return outcome.ms;
    },
    delivered: () => found,
    checksum: () => checksum,
    teardown: () => page.context().close(),
  };
}

const ENQUEUE_NOT_MEASURED =
  'durability across a power cut (Chromium\'s default durability: the data reached the OS), quota pressure, several tabs writing at once, ' +
  'reading or relaying (see drain-jetstream), Firefox/Safari IndexedDB. The read-back that verifies each run is not timed.';

const enqueue: Scenario = {
  name: 'outbox/enqueue',
  unit: 'msg/s',
  description: 'n publishes issued together (one tick) in a Chromium page, timed until every one is durable in IndexedDB (transaction complete); verified by reading IndexedDB back',
  notMeasured: ENQUEUE_NOT_MEASURED,
  expectedDeliveries: (ops) => ops,
  target: { text: 'enqueue ≥ 3x idb-keyval setMany', conditions: [{ peer: 'idb-keyval setMany', minRatio: 3 }] },
  contestants: [
    {
      name: 'isoflux',
      role: 'isoflux',
      note: 'outbox.publish(subject, payload) per message, not awaited one by one: the publishes of one tick share one IndexedDB transaction; each resolves when it completed',
      setup: async () => readBack(await openPage(), (page, n) => page.evaluate((k) => bench.enqueue(k), n)),
    },
    {
      name: 'isoflux (10 per tick)',
      role: 'variant',
      note: 'the same publishes, 10 per tick: one transaction per 10 messages, transactions pipelined',
      setup: async () => readBack(await openPage(), (page, n) => page.evaluate((k) => bench.enqueue(k, 10), n)),
    },
    {
      name: 'idb-keyval setMany',
      role: 'peer',
      note: "idb-keyval's batch API (its README: setMany is faster than many set calls): the burst's entries in one setMany, one transaction",
      setup: async () => readBack(await openPage(), (page, n) => page.evaluate((k) => bench.enqueueSetMany(k), n)),
    },
    {
      name: 'idb-keyval set',
      role: 'peer',
      note: 'idb-keyval set(id, entry) per message, all issued at once: one IndexedDB transaction each (the naive outbox)',
      setup: async () => readBack(await openPage(), (page, n) => page.evaluate((k) => bench.enqueueSet(k), n)),
    },
  ],
};

const enqueueAwaited: Scenario = {
  name: 'outbox/enqueue-awaited',
  unit: 'msg/s',
  description: 'n publishes awaited one by one (await outbox.publish per message, the next only after the previous is durable); verified by reading IndexedDB back',
  notMeasured: ENQUEUE_NOT_MEASURED,
  expectedDeliveries: (ops) => ops,
  target: { text: 'awaited one-by-one ≥ 1.0x single idb-keyval set', conditions: [{ peer: 'idb-keyval set (awaited)', minRatio: 1 }] },
  contestants: [
    {
      name: 'isoflux',
      role: 'isoflux',
      note: 'await outbox.publish(subject, payload) per message: one transaction per message',
      setup: async () => readBack(await openPage(), (page, n) => page.evaluate((k) => bench.enqueueAwaited(k), n)),
    },
    {
      name: 'idb-keyval set (awaited)',
      role: 'peer',
      note: 'await set(id, entry) per message: one transaction per message, nothing else',
      setup: async () => readBack(await openPage(), (page, n) => page.evaluate((k) => bench.enqueueSetAwaited(k), n)),
    },
  ],
};

/** Creates a stream of its own for one drain contestant. */
async function createStream(prefix: string): Promise<void> {
  const nc = await connect({ servers: (nats as NatsServer).tcpUrl });
  await (await jetstreamManager(nc)).streams.add({ name: prefix, subjects: [`${prefix}.>`] });
  await nc.close();
}

/**
 * A drain contestant: after each timed run (untimed), reads the stream's state from the server until it
 * holds exactly what the page saw acknowledged; deliveries are the messages found in the stream.
 */
function streamVerified(page: Page, prefix: string, call: (page: Page, n: number) => Promise<number>): Bench {
  let asked = 0;
  let inStream = 0;
  return {
    async run(n) {
      asked += n;
      const ms = await call(page, n);
      const nc = await connect({ servers: (nats as NatsServer).tcpUrl });
      try {
        const jsm = await jetstreamManager(nc);
        // publishes still in flight when the run ended land shortly after: wait until the page and the stream agree
        for (let tries = 0; ; tries++) {
          const before = await page.evaluate(() => bench.acked());
          const messages = (await jsm.streams.info(prefix)).state.messages;
          const after = await page.evaluate(() => bench.acked());
          if (before === after && messages === after) {
            inStream = messages;
            break;
          }
          if (tries > 100) throw new Error(`stream ${prefix} holds ${messages} messages, the page saw ${after} acks`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await nc.close();
      }
      return ms;
    },
    // a few publishes in flight when a run ends are stored after it: they count towards the next run
    delivered: () => Math.min(inStream, asked),
    checksum: () => inStream,
    teardown: () => page.context().close(),
  };
}

function drainContestant(name: string, role: 'isoflux' | 'variant', keys: number, orderBy: 'subject' | 'none', note: string): Contestant {
  return {
    name,
    role,
    note,
    async setup() {
      const page = await openPage();
      const prefix = `outbox${Date.now().toString(36)}${keys}${orderBy}`;
      await createStream(prefix);
      await page.evaluate(([url, p, k, o]) => bench.openDrain(url, p, k, o), [(nats as NatsServer).wsUrl as string, prefix, keys, orderBy] as const);
      return streamVerified(page, prefix, (pg, n) => pg.evaluate(([k, b]) => bench.drain(k, b), [n, BACKLOG] as const));
    },
  };
}

const rawReference: Contestant = {
  name: 'raw JetStream pipelined',
  role: 'peer',
  note: `the reference: the same entries (64 subjects, JSON payload, a fresh msgID each) published by raw @nats-io/jetstream js.publish over wsconnect() with ${WINDOW} acks in flight, straight from memory (no IndexedDB read, no removal)`,
  async setup() {
    const page = await openPage();
    const prefix = `outboxraw${Date.now().toString(36)}`;
    await createStream(prefix);
    await page.evaluate(([url, p]) => bench.openRaw(url, p, 64), [(nats as NatsServer).wsUrl as string, prefix] as const);
    return streamVerified(page, prefix, (pg, n) => pg.evaluate(([k, w]) => bench.rawDrain(k, w), [n, WINDOW] as const));
  },
};

const drain: Scenario = {
  name: 'outbox/drain-jetstream',
  unit: 'msg/s',
  description: `entries going from IndexedDB to acknowledged by JetStream (nats-server over WebSocket), with ${BACKLOG}+ entries waiting; removals batched behind the acks; verified by reading the stream's state from the server`,
  notMeasured:
    'reconnects and retries (the server never fails here), several tabs competing for the relay, the Service Worker relay, a remote server (loopback: the round trip is ~0.1 ms, so the window matters less than it would over a network). ' +
    'The reference does not read or remove anything from IndexedDB: the ratio is what durability costs on top of the publish itself.',
  expectedDeliveries: (ops) => ops,
  // resuming the relay has a fixed cost: a batch of a few entries would measure it instead of the drain
  minBatch: isQuick() ? 300 : 1000,
  target: {
    text: 'drain ≥ 10,000 msg/s and ≥ 0.9x the raw pipelined reference',
    conditions: [{ minValue: 10_000 }, { peer: 'raw JetStream pipelined', minRatio: 0.9 }],
  },
  contestants: [
    drainContestant('isoflux', 'isoflux', 64, 'subject', 'relay with default options, messages spread over 64 subjects (FIFO per subject, up to 64 publishes in flight)'),
    drainContestant('isoflux (1 subject, strict FIFO)', 'variant', 1, 'subject', 'one subject: one publish in flight at a time, bounded by the JetStream round trip'),
    drainContestant('isoflux (orderBy: none)', 'variant', 1, 'none', 'no ordering: up to 64 publishes in flight'),
    rawReference,
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
  scenarios: [enqueue, enqueueAwaited, drain],
};

export default group;
