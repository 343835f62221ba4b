/**
 * The code the broadcast benchmarks run inside Chromium (bundled by esbuild and served to two tabs). One tab
 * sends, the other receives; a raw control channel carries "expect N" and the acknowledgements, the same
 * for every contestant, so only the data path differs.
 * @module
 */
import { BroadcastChannel as NpmBroadcastChannel } from 'broadcast-channel';
import { createBroadcastBus } from '../../src/broadcast/index.js';

/** Which library carries the data. */
export type Kind = 'isoflux' | 'raw' | 'batched' | 'npm';

/** A data channel as both roles use it. */
interface DataPath {
  send(payload: { n: number; t: number }): void;
  onReceive(handler: (payload: { n: number; t: number }) => void): Promise<void>;
}

/** The absolute high-resolution clock, comparable across the tabs of one browser. */
const now = (): number => performance.timeOrigin + performance.now();

function open(kind: Kind, name: string): DataPath {
  if (kind === 'isoflux') {
    const bus = createBroadcastBus({ namespace: name });
    return {
      send: (p) => void bus.publish('bench.n', p),
      onReceive: async (handler) => {
        await bus.subscribe('bench.n', (m) => handler(m.payload as { n: number; t: number })).ready;
      },
    };
  }
  if (kind === 'npm') {
    const channel = new NpmBroadcastChannel<{ n: number; t: number }>(name);
    return {
      send: (p) => void channel.postMessage(p),
      onReceive: async (handler) => {
        channel.onmessage = handler;
      },
    };
  }
  if (kind === 'batched') {
    // What a user writes once one postMessage per message is the bottleneck: the messages of one microtask
    // coalesced into one postMessage of an array; the receiver iterates it.
    const channel = new BroadcastChannel(name);
    let pending: Array<{ n: number; t: number }> | undefined;
    return {
      send: (p) => {
        if (pending === undefined) {
          const batch: Array<{ n: number; t: number }> = (pending = []);
          queueMicrotask(() => {
            pending = undefined;
            channel.postMessage(batch);
          });
        }
        pending.push(p);
      },
      onReceive: async (handler) => {
        channel.onmessage = (e: MessageEvent<Array<{ n: number; t: number }>>) => {
          for (const p of e.data) handler(p);
        };
      },
    };
  }
  const channel = new BroadcastChannel(name);
  return {
    send: (p) => channel.postMessage(p),
    onReceive: async (handler) => {
      channel.onmessage = (e: MessageEvent<{ n: number; t: number }>) => handler(e.data);
    },
  };
}

type Control = { expect: number } | { count: number; latency: number; checksum: number };

/** What the benchmark driver calls in each tab through `page.evaluate`. */
const benchTab = {
  /** The receiving tab: counts, sums, acknowledges on the control channel. */
  async receive(kind: Kind, name: string): Promise<void> {
    const control = new BroadcastChannel(`${name}/control`);
    let expected = Number.POSITIVE_INFINITY;
    let count = 0;
    let checksum = 0;
    let latency = 0;
    const ackIfDone = (): void => {
      if (count >= expected) {
        expected = Number.POSITIVE_INFINITY;
        control.postMessage({ count, latency, checksum } satisfies Control);
      }
    };
    // "expect" and the data travel on different channels: whichever arrives last triggers the one ack.
    control.onmessage = (e: MessageEvent<Control>) => {
      if ('expect' in e.data) expected = e.data.expect;
      ackIfDone();
    };
    await open(kind, name).onReceive((p) => {
      count++;
      checksum += p.n;
      latency = now() - p.t;
      ackIfDone();
    });
  },

  /** Sends `n` messages in one tick; resolves with the elapsed ms until the receiver had them all. */
  async throughput(kind: Kind, name: string, from: number, n: number): Promise<{ ms: number; count: number; checksum: number }> {
    const path = (senders[name] ??= open(kind, name));
    const control = new BroadcastChannel(`${name}/control`);
    const done = new Promise<{ count: number; checksum: number }>((resolve) => {
      control.onmessage = (e: MessageEvent<Control>) => 'count' in e.data && resolve(e.data);
    });
    control.postMessage({ expect: from + n } satisfies Control);
    const start = performance.now();
    const t = now();
    for (let i = from; i < from + n; i++) path.send({ n: i, t });
    const acked = await done;
    const ms = performance.now() - start;
    control.close();
    return { ms, ...acked };
  },

  /** Sends `n` messages one at a time (the next after the previous arrived, plus a timer turn): one-way latencies in ms. */
  async latency(kind: Kind, name: string, from: number, n: number): Promise<{ samples: number[]; count: number; checksum: number }> {
    const path = (senders[name] ??= open(kind, name));
    const control = new BroadcastChannel(`${name}/control`);
    const samples: number[] = [];
    let last = { count: 0, checksum: 0 };
    for (let i = from; i < from + n; i++) {
      const acked = new Promise<{ count: number; checksum: number; latency: number }>((resolve) => {
        control.onmessage = (e: MessageEvent<Control>) => 'count' in e.data && resolve(e.data);
      });
      control.postMessage({ expect: i + 1 } satisfies Control);
      await new Promise((resolve) => setTimeout(resolve, 0));
      path.send({ n: i, t: now() });
      const ack = await acked;
      samples.push(ack.latency);
      last = ack;
    }
    control.close();
    return { samples, ...last };
  },
};
const senders: Record<string, DataPath> = {};

declare global {
  interface Window {
    benchTab: typeof benchTab;
  }
}
window.benchTab = benchTab;
document.title = 'ready';
