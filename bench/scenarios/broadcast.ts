/**
 * @module The broadcast group, in Chromium between two tabs (pages of one context): `broadcast/throughput`
 * (msg/s, a burst sent in one tick from one tab to the other) and `broadcast/latency` (one-way ms at a low
 * rate: p50 of ≥ 10,000 individual samples per contestant, and the true p99 of the same samples), isoflux's
 * broadcast bus against raw BroadcastChannel (one message per postMessage), raw BroadcastChannel
 * hand-batched (the messages of one microtask in one postMessage) and the `broadcast-channel` npm package.
 * Needs Debian's Chromium (/usr/bin/chromium).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright';
import { BenchUnavailableError, type Bench, type BenchGroup, type Contestant, type Scenario } from '../lib/types.js';
import type { Kind } from './broadcast-page.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
/** Served by request interception, never by a socket; localhost is a secure context (Web Locks). */
const ORIGIN = 'http://localhost';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let browser: Browser | undefined;
let script: string | undefined;

async function pageScript(): Promise<string> {
  if (script !== undefined) return script;
  const out = await build({
    // An entry point, not a side-effect import: package.json says `sideEffects: false`.
    entryPoints: [`${ROOT}bench/scenarios/broadcast-page.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  return (script = out.outputFiles[0]!.text);
}

/** Two tabs of a fresh context, each with the bench page loaded. */
async function twoTabs(): Promise<{ sender: Page; receiver: Page; close(): Promise<void> }> {
  if (browser === undefined) throw new Error('the broadcast group was not set up');
  const context = await browser.newContext();
  const js = await pageScript();
  // Cross-origin isolation gives performance.now() 5 µs resolution instead of 100 µs: latencies are sub-ms.
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  await context.route(`${ORIGIN}/**`, (route) =>
    route.request().url().endsWith('/bench.js')
      ? route.fulfill({ contentType: 'text/javascript', headers, body: js })
      : route.fulfill({ contentType: 'text/html', headers, body: '<!doctype html><link rel="icon" href="data:,"><script type="module" src="/bench.js"></script>' }),
  );
  const [sender, receiver] = await Promise.all([context.newPage(), context.newPage()]);
  for (const page of [sender!, receiver!]) {
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => document.title === 'ready');
  }
  return { sender: sender!, receiver: receiver!, close: () => context.close() };
}

const NOTES: Record<Kind, string> = {
  isoflux: 'createBroadcastBus(): a tick of publishes coalesced into one postMessage (a frame of [kind, subject, payload, id] items), subscribe on the other tab',
  raw: 'new BroadcastChannel(name).postMessage(payload): one postMessage per message, onmessage on the other tab (what MDN shows)',
  batched: 'raw BroadcastChannel, hand-batched: the messages of one microtask pushed into an array and sent with one postMessage; the other tab iterates it',
  npm: "broadcast-channel 7 (native method in Chromium): channel.postMessage(payload) per message, onmessage on the other tab",
};

type Mode = 'throughput' | 'latency';

const NAMES: Record<Kind, string> = { isoflux: 'isoflux', raw: 'BroadcastChannel', batched: 'BroadcastChannel (hand-batched)', npm: 'broadcast-channel' };

function contestant(kind: Kind, mode: Mode): Contestant {
  return {
    name: NAMES[kind],
    role: kind === 'isoflux' ? 'isoflux' : 'peer',
    note: NOTES[kind],
    async setup(): Promise<Bench> {
      const tabs = await twoTabs();
      const name = `bench-${kind}-${Date.now().toString(36)}`;
      await tabs.receiver.evaluate(([k, n]) => window.benchTab.receive(k, n), [kind, name] as const);
      let sent = 0;
      let delivered = 0;
      let checksum = 0;
      return {
        async run(n) {
          if (mode !== 'throughput') throw new Error('latency contestants sample()');
          const from = sent;
          sent += n;
          const r = await tabs.sender.evaluate(([k, nm, f, c]) => window.benchTab.throughput(k, nm, f, c), [kind, name, from, n] as const);
          delivered = r.count;
          checksum = r.checksum;
          return r.ms;
        },
        async sample(n) {
          const from = sent;
          sent += n;
          const r = await tabs.sender.evaluate(([k, nm, f, c]) => window.benchTab.latency(k, nm, f, c), [kind, name, from, n] as const);
          delivered = r.count;
          checksum = r.checksum;
          return r.samples;
        },
        delivered: () => delivered,
        checksum: () => checksum,
        teardown: () => tabs.close(),
      };
    },
  };
}

const KINDS: readonly Kind[] = ['isoflux', 'batched', 'raw', 'npm'];

const latency: Scenario = {
  name: 'broadcast/latency',
  unit: 'ms',
  measure: 'latency',
  description:
    'One-way latency tab to tab, one message at a time (the next after the previous arrived and a timer turn); value = p50 of every individual sample ' +
    '(≥ 10,000 per contestant in a full run), p99 = the true 99th percentile of the same samples; the clock is performance.timeOrigin + now() (5 µs resolution, cross-origin isolated), shared by the tabs.',
  notMeasured:
    'latency under load (one message in flight at a time), Firefox/Safari (Chromium only), background-tab throttling, cross-process tabs of other sites. ' +
    'The acknowledgement travels on a raw control channel, the same for every contestant.',
  expectedDeliveries: (ops) => ops,
  contestants: KINDS.map((k) => contestant(k, 'latency')),
  target: { text: 'p50 within 0.1 ms of raw BroadcastChannel', conditions: [{ peer: 'BroadcastChannel', maxDiff: 0.1 }] },
};

const group: BenchGroup = {
  name: 'broadcast',
  check() {
    if (!existsSync(CHROMIUM)) throw new BenchUnavailableError(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium`);
  },
  async setup() {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  },
  async teardown() {
    await browser?.close();
  },
  scenarios: [
    {
      name: 'broadcast/throughput',
      unit: 'msg/s',
      description: 'Messages per second from one tab to another: a burst published in one tick, timed until the other tab received all of it.',
      notMeasured:
        'latency (see broadcast/latency), a sustained rate spread over many ticks (each run is one burst in one tick, which favours whoever batches), ' +
        'structured-clone cost of large payloads, more than two tabs, Firefox/Safari.',
      expectedDeliveries: (ops) => ops,
      contestants: KINDS.map((k) => contestant(k, 'throughput')),
      target: { text: '≥ 1.0x the hand-batched raw peer', conditions: [{ peer: 'BroadcastChannel (hand-batched)', minRatio: 1 }] },
    },
    latency,
  ],
};

export default group;
