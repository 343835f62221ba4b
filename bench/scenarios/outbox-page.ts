/**
 * The in-page half of the outbox benchmarks (bundled by esbuild, run in Chromium): the isoflux outbox on real
 * IndexedDB, the naive outbox (one idb-keyval `set` per message), and a relay draining into JetStream.
 * Every run measures its own time with `performance.now()` so the page round trip is not counted.
 */
import { createStore, set } from 'idb-keyval';
import { connectNats } from '../../src/nats/index.js';
import { createJetStreamPublisher } from '../../src/jetstream/index.js';
import { createOutbox, idbStore, type Outbox, type OrderBy } from '../../src/outbox/index.js';
import type { PublishOptions, Publisher } from '../../src/index.js';

let seq = 0;
const payload = (i: number): { n: number; at: string } => ({ n: i, at: 'bench' });

/** isoflux: `n` publishes, `perTick` per tick (each tick's share one transaction), resolved when durable. */
async function enqueueIsoflux(box: Outbox, n: number, perTick: number): Promise<number> {
  const start = performance.now();
  const writes: Array<Promise<void>> = [];
  for (let i = 0; i < n; i++) {
    writes.push(box.publish('bench.enqueue', payload(seq++)));
    if ((i + 1) % perTick === 0) await null;
  }
  await Promise.all(writes);
  return performance.now() - start;
}

let enqueueBox: Outbox | undefined;
const naiveStore = createStore('bench-naive-outbox', 'entries');
let drainBox: Outbox | undefined;
let acked = 0;
let ackWaiter: { target: number; resolve: () => void } | undefined;

const api = {
  async enqueue(n: number, perTick = n): Promise<number> {
    enqueueBox ??= createOutbox({ store: idbStore({ database: `bench-outbox-${Date.now()}` }) });
    return enqueueIsoflux(enqueueBox, n, perTick);
  },
  /** The naive outbox: the same `n` messages, each `set` under its own key in its own transaction. */
  async enqueueNaive(n: number): Promise<number> {
    const start = performance.now();
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < n; i++) {
      const id = `${Date.now()}-${seq++}`;
      writes.push(set(id, { id, subject: 'bench.enqueue', payload: payload(seq), enqueuedAt: Date.now() }, naiveStore));
    }
    await Promise.all(writes);
    return performance.now() - start;
  },
  /** Opens a relay into JetStream over `wsUrl`, spreading subjects over `keys` ordering keys. */
  async openDrain(wsUrl: string, subjectPrefix: string, keys: number, orderBy: 'subject' | 'none'): Promise<void> {
    const nc = await connectNats(wsUrl);
    const js = createJetStreamPublisher(nc);
    const target: Publisher = {
      async publish(subject: string, data: unknown, options?: PublishOptions) {
        await js.publish(subject, data, options);
        acked++;
        if (ackWaiter !== undefined && acked >= ackWaiter.target) ackWaiter.resolve();
      },
    };
    drainBox = createOutbox({ store: idbStore({ database: `bench-drain-${Date.now()}` }), target, orderBy: orderBy as OrderBy });
    // Paused between timed runs: the contestants share the machine and the server, and must not drain
    // in the background while another one is measured.
    drainBox.pause();
    (api as { subjects?: string[] }).subjects = Array.from({ length: keys }, (_, k) => `${subjectPrefix}.${k}`);
  },
  /** Keeps at least `backlog` entries waiting (untimed), then times the next `n` acknowledgements. */
  async drain(n: number, backlog: number): Promise<number> {
    const box = drainBox as Outbox;
    const subjects = (api as { subjects?: string[] }).subjects as string[];
    const depth = (await box.store.stats()).depth;
    if (depth < backlog + n) {
      const writes: Array<Promise<void>> = [];
      for (let i = depth; i < backlog + 2 * n; i++) writes.push(box.publish(subjects[i % subjects.length] as string, payload(seq++)));
      await Promise.all(writes);
    }
    const target = acked + n;
    const start = performance.now();
    const reached = new Promise<void>((resolve) => (ackWaiter = { target, resolve }));
    box.resume();
    await reached;
    const ms = performance.now() - start;
    box.pause();
    ackWaiter = undefined;
    return ms;
  },
  /** One full drain: `n` entries stored while paused, then timed from resume until the store is empty. */
  async drainAll(n: number): Promise<{ ms: number; ackedMs: number; acked: number }> {
    const box = drainBox as Outbox;
    const subjects = (api as { subjects?: string[] }).subjects as string[];
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < n; i++) writes.push(box.publish(subjects[i % subjects.length] as string, payload(seq++)));
    await Promise.all(writes);
    const before = acked;
    const start = performance.now();
    const allAcked = new Promise<void>((resolve) => (ackWaiter = { target: before + n, resolve }));
    box.resume();
    await allAcked;
    const ackedMs = performance.now() - start;
    while ((await box.store.stats()).depth > 0) await new Promise((r) => setTimeout(r, 2));
    return { ms: performance.now() - start, ackedMs, acked: acked - before };
  },
  acked: () => acked,
  /** Baseline: `n` JetStream publishes on one subject, each awaited, straight from the page. */
  async rawSequential(wsUrl: string, subject: string, n: number): Promise<number> {
    const js = createJetStreamPublisher(await connectNats(wsUrl));
    const start = performance.now();
    for (let i = 0; i < n; i++) await js.publish(subject, payload(i));
    return performance.now() - start;
  },
};

(window as unknown as { bench: typeof api }).bench = api;
document.title = 'ready';
