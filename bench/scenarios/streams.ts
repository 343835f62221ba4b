/**
 * @module The streams group: `streams/process-8`, isoflux's `toStream(sub).process(8, handler)` against the
 * loop people write by hand, `for (;;) { const batch = await sub.fetch(8); await Promise.all(batch.map(handler)) }`,
 * over the same memory-bus subscription and the same async handlers. Needs nothing outside the process.
 */
import { createMemoryBus } from '../../src/memory/index.js';
import type { Message } from '../../src/core/message.js';
import { toStream } from '../../src/stream/index.js';
import { Sink, type Numbered } from '../lib/sink.js';
import type { Bench, BenchGroup, Contestant, Scenario } from '../lib/types.js';

const SUBJECT = 'bench.jobs';
const IN_FLIGHT = 8;
/** The subscription's buffer (block policy): the publisher waits once it is full. */
const BUFFER = 256;

/** One turn of the event loop: what a handler awaiting a quick I/O completion (a cache, a local socket) waits. */
const ioTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What a handler waits for before the shared trivial work. */
type Wait = 'turns' | 'timers';

/**
 * The handler both contestants run: message n waits unevenly, as real handlers do: `n % 4` event-loop
 * turns (`turns`: the process never idles, so CPU time is the fair clock), or a timer of `n % 4` ms
 * (`timers`: I/O latency, where the process idles and wall time counts).
 */
function handlerFor(sink: Sink, wait: Wait): (m: Message<Numbered>) => Promise<void> {
  return wait === 'turns'
    ? async (m) => {
        for (let i = m.payload.n % 4; i > 0; i--) await ioTurn();
        sink.add(m.payload);
      }
    : async (m) => {
        await delay(m.payload.n % 4);
        sink.add(m.payload);
      };
}

/** A bus, a handler-less subscription, and a publisher that awaits every publish (backpressure). */
function fixture(): { sink: Sink; sub: ReturnType<typeof subscribe>; run(n: number): Promise<void>; close(): Promise<void> } {
  const bus = createMemoryBus<Record<string, Numbered>>({ payload: 'shared' });
  const sink = new Sink();
  const sub = subscribe(bus);
  let next = 0;
  return {
    sink,
    sub,
    async run(n) {
      const end = next + n;
      for (let i = next; i < end; i++) await bus.publish(SUBJECT, { n: i });
      next = end;
      await sink.reach(end);
    },
    close: () => bus.close(),
  };
}

function subscribe(bus: ReturnType<typeof createMemoryBus<Record<string, Numbered>>>) {
  return bus.subscribe(SUBJECT, { bufferSize: BUFFER, overflow: 'block' });
}

const isoflux = (wait: Wait): Contestant => ({
  name: 'isoflux',
  role: 'isoflux',
  note: `toStream(bus.subscribe(subject, { bufferSize: ${BUFFER}, overflow: 'block' })).process(${IN_FLIGHT}, handler): a sliding window of ${IN_FLIGHT}`,
  setup(): Bench {
    const f = fixture();
    const processing = toStream(f.sub).process(IN_FLIGHT, handlerFor(f.sink, wait));
    return {
      run: (n) => f.run(n),
      delivered: () => f.sink.count,
      checksum: () => f.sink.total,
      teardown: async () => {
        await f.close();
        await processing;
      },
    };
  },
});

const promiseAllBatches = (wait: Wait): Contestant => ({
  name: 'Promise.all batches',
  role: 'peer',
  note: `hand-written: for (;;) { const batch = await sub.fetch(${IN_FLIGHT}); if (!batch.length) break; await Promise.all(batch.map(handler)) } on the same subscription`,
  setup(): Bench {
    const f = fixture();
    const handler = handlerFor(f.sink, wait);
    const loop = (async () => {
      for (;;) {
        const batch = await f.sub.fetch(IN_FLIGHT);
        if (batch.length === 0) break;
        await Promise.all(batch.map(handler));
      }
    })();
    return {
      run: (n) => f.run(n),
      delivered: () => f.sink.count,
      checksum: () => f.sink.total,
      teardown: async () => {
        await f.close();
        await loop;
      },
    };
  },
});

/** One operation = one message published, handled and counted. CPU-bound: the cost of the stage itself. */
const process8: Scenario = {
  name: 'streams/process-8',
  unit: 'msg/s',
  clock: 'cpu',
  description: `${IN_FLIGHT} async handlers in flight over one memory-bus subscription (buffer ${BUFFER}, block); handler n awaits n % 4 event-loop turns; msg/s = messages handled per CPU second`,
  expectedDeliveries: (ops) => ops,
  notMeasured: 'handlers that wait on real I/O (see process-8-latency), errors and retries inside process(), other concurrency limits than 8.',
  contestants: [isoflux('turns'), promiseAllBatches('turns')],
  target: { text: '≥ 1.0x hand-written Promise.all batches (issue 2)', conditions: [{ peer: 'Promise.all batches', minRatio: 1 }] },
};

/** The same with I/O latency: here a sliding window beats batches, which wait for their slowest member. */
const process8Latency: Scenario = {
  name: 'streams/process-8-latency',
  unit: 'msg/s',
  description: `as streams/process-8, but handler n waits a timer of n % 4 ms (I/O latency); msg/s = messages handled per wall-clock second`,
  expectedDeliveries: (ops) => ops,
  notMeasured: 'CPU cost (see process-8); timer granularity of Node (1 ms) shapes the figure as much as either contestant.',
  contestants: [isoflux('timers'), promiseAllBatches('timers')],
  target: { text: '≥ 1.0x hand-written Promise.all batches (issue 2)', conditions: [{ peer: 'Promise.all batches', minRatio: 1 }] },
};

const group: BenchGroup = {
  name: 'streams',
  scenarios: [process8, process8Latency],
};

export default group;
