/**
 * The in-page half of the outbox benchmarks (bundled by esbuild, run in Chromium): the isoflux outbox on real
 * IndexedDB; the outboxes a user writes with idb-keyval (`setMany` for a batch, `set` per message); a relay
 * draining into JetStream; and the raw pipelined JetStream publish of the same entries that is the drain's
 * reference. Every run measures its own time with `performance.now()` (the page round trip is not counted),
 * then, untimed, reads back what it wrote from IndexedDB: a delivery counts only when it is found there.
 */
import { createStore, getMany, set, setMany } from 'idb-keyval';
import { wsconnect, type NatsConnection } from '@nats-io/nats-core';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connectNats } from '../../src/nats/index.js';
import { createJetStreamPublisher } from '../../src/jetstream/index.js';
import { createOutbox, idbStore, type Outbox, type OrderBy } from '../../src/outbox/index.js';
import type { PublishOptions, Publisher } from '../../src/index.js';

let seq = 0;
const payload = (i: number): { n: number; at: string } => ({ n: i, at: 'bench' });

/** What a run reports: its own time, and what reading IndexedDB back found (count and sum of `payload.n`). */
interface Outcome {
  ms: number;
  found: number;
  checksum: number;
}

// ---- isoflux ------------------------------------------------------------------------------------------

let box: { outbox: Outbox; database: string; lastSeq: number } | undefined;

function isofluxBox(): NonNullable<typeof box> {
  if (box === undefined) {
    const database = `bench-outbox-${Date.now()}`;
    box = { outbox: createOutbox({ store: idbStore({ database }) }), database, lastSeq: 0 };
  }
  return box;
}

/** Reads back the entries after the last verified one through a store instance of its own (no shared memory state). */
async function readBackIsoflux(expected: number, first: number): Promise<{ found: number; checksum: number }> {
  const b = isofluxBox();
  const reader = idbStore({ database: b.database });
  try {
    const entries = await reader.read({ after: b.lastSeq, limit: expected + 1 });
    let found = 0;
    let checksum = 0;
    for (const e of entries) {
      const n = (e.payload as { n: number }).n;
      if (n >= first && n < first + expected) found++, (checksum += n);
      b.lastSeq = Math.max(b.lastSeq, e.seq);
    }
    return { found: entries.length === found ? found : -entries.length, checksum };
  } finally {
    reader.close();
  }
}

// ---- idb-keyval outboxes ------------------------------------------------------------------------------

const keyvalStore = createStore(`bench-keyval-outbox-${Date.now()}`, 'entries');
const entryOf = (i: number): [string, { id: string; subject: string; payload: { n: number; at: string }; enqueuedAt: number }] => {
  const id = `${Date.now()}-${i}`;
  return [id, { id, subject: 'bench.enqueue', payload: payload(i), enqueuedAt: Date.now() }];
};

async function readBackKeyval(ids: string[]): Promise<{ found: number; checksum: number }> {
  const values = await getMany<{ payload: { n: number } }>(ids, keyvalStore);
  let found = 0;
  let checksum = 0;
  for (const v of values) if (v !== undefined) found++, (checksum += v.payload.n);
  return { found, checksum };
}

// ---- drain --------------------------------------------------------------------------------------------

let drainBox: Outbox | undefined;
let subjects: string[] = [];
let acked = 0;
let ackWaiter: { target: number; resolve: () => void } | undefined;
const onAck = (): void => {
  acked++;
  if (ackWaiter !== undefined && acked >= ackWaiter.target) ackWaiter.resolve();
};
let raw: { nc: NatsConnection; js: JetStreamClient } | undefined;

const api = {
  /** isoflux: `n` publishes, `perTick` per tick (the publishes of a tick share one transaction), resolved when durable. */
  async enqueue(n: number, perTick = n): Promise<Outcome> {
    const { outbox } = isofluxBox();
    const first = seq;
    const start = performance.now();
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < n; i++) {
      writes.push(outbox.publish('bench.enqueue', payload(seq++)));
      if ((i + 1) % perTick === 0) await null;
    }
    await Promise.all(writes);
    const ms = performance.now() - start;
    return { ms, ...(await readBackIsoflux(n, first)) };
  },
  /** isoflux, awaited one by one: `await outbox.publish(...)` per message. */
  async enqueueAwaited(n: number): Promise<Outcome> {
    const { outbox } = isofluxBox();
    const first = seq;
    const start = performance.now();
    for (let i = 0; i < n; i++) await outbox.publish('bench.enqueue', payload(seq++));
    const ms = performance.now() - start;
    return { ms, ...(await readBackIsoflux(n, first)) };
  },
  /** idb-keyval's batch API: the `n` entries of a burst in one `setMany` (one transaction). */
  async enqueueSetMany(n: number): Promise<Outcome> {
    const start = performance.now();
    const entries = Array.from({ length: n }, () => entryOf(seq++));
    await setMany(entries, keyvalStore);
    const ms = performance.now() - start;
    return { ms, ...(await readBackKeyval(entries.map(([id]) => id))) };
  },
  /** One `set` per message, all issued at once (one transaction each). */
  async enqueueSet(n: number): Promise<Outcome> {
    const start = performance.now();
    const ids: string[] = [];
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < n; i++) {
      const [id, value] = entryOf(seq++);
      ids.push(id);
      writes.push(set(id, value, keyvalStore));
    }
    await Promise.all(writes);
    const ms = performance.now() - start;
    return { ms, ...(await readBackKeyval(ids)) };
  },
  /** `await set(...)` per message, one by one. */
  async enqueueSetAwaited(n: number): Promise<Outcome> {
    const start = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const [id, value] = entryOf(seq++);
      ids.push(id);
      await set(id, value, keyvalStore);
    }
    const ms = performance.now() - start;
    return { ms, ...(await readBackKeyval(ids)) };
  },

  /** Opens a relay into JetStream over `wsUrl`, spreading subjects over `keys` ordering keys. */
  async openDrain(wsUrl: string, subjectPrefix: string, keys: number, orderBy: 'subject' | 'none'): Promise<void> {
    const nc = await connectNats(wsUrl);
    const js = createJetStreamPublisher(nc);
    const target: Publisher = {
      async publish(subject: string, data: unknown, options?: PublishOptions) {
        await js.publish(subject, data, options);
        onAck();
      },
    };
    drainBox = createOutbox({ store: idbStore({ database: `bench-drain-${Date.now()}` }), target, orderBy: orderBy as OrderBy });
    // Paused between timed runs: the contestants share the machine and the server, and must not drain
    // in the background while another one is measured.
    drainBox.pause();
    subjects = Array.from({ length: keys }, (_, k) => `${subjectPrefix}.${k}`);
  },
  /** Keeps at least `backlog` entries waiting (untimed), then times the next `n` acknowledgements. */
  async drain(n: number, backlog: number): Promise<number> {
    const b = drainBox as Outbox;
    const depth = (await b.store.stats()).depth;
    if (depth < backlog + n) {
      const writes: Array<Promise<void>> = [];
      for (let i = depth; i < backlog + 2 * n; i++) writes.push(b.publish(subjects[i % subjects.length] as string, payload(seq++)));
      await Promise.all(writes);
    }
    const target = acked + n;
    const start = performance.now();
    const reached = new Promise<void>((resolve) => (ackWaiter = { target, resolve }));
    b.resume();
    await reached;
    const ms = performance.now() - start;
    b.pause();
    ackWaiter = undefined;
    return ms;
  },
  /** The reference: the raw `@nats-io/jetstream` client on its own WebSocket connection. */
  async openRaw(wsUrl: string, subjectPrefix: string, keys: number): Promise<void> {
    const nc = await wsconnect({ servers: wsUrl });
    raw = { nc, js: jetstream(nc) };
    subjects = Array.from({ length: keys }, (_, k) => `${subjectPrefix}.${k}`);
  },
  /**
   * `n` entries of the drain's shape (subject spread, JSON payload, a fresh msgID each), built untimed, then
   * published with `window` acks in flight; timed until the last ack.
   */
  async rawDrain(n: number, window: number): Promise<number> {
    const { js } = raw as NonNullable<typeof raw>;
    const encoder = new TextEncoder();
    const entries = Array.from({ length: n }, (_, i) => {
      const k = seq++;
      return { subject: subjects[i % subjects.length] as string, data: encoder.encode(JSON.stringify(payload(k))), id: `raw-${Date.now()}-${k}` };
    });
    const start = performance.now();
    let next = 0;
    let settled = 0;
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        while (next < n && next - settled < window) {
          const e = entries[next++]!;
          js.publish(e.subject, e.data, { msgID: e.id }).then(() => {
            onAck();
            if (++settled === n) resolve();
            else pump();
          }, reject);
        }
      };
      pump();
    });
    return performance.now() - start;
  },
  acked: () => acked,
};

(window as unknown as { bench: typeof api }).bench = api;
document.title = 'ready';
