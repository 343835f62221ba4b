/**
 * The JetStream scenarios of the nats group: publish awaiting each ack, publish with a window of acks in
 * flight, and consume through an auto-acking subscriber. isoflux against raw `@nats-io/jetstream`, both over
 * WebSocket, both sending a `Nats-Msg-Id` per message (isoflux always does: it is its de-duplication).
 * @module
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { nanos, nuid, type NatsConnection } from '@nats-io/nats-core';
import { createJetStreamPublisher, createJetStreamSubscriber } from '../../src/jetstream/index.js';
import { connectNats } from '../../src/nats/index.js';
import type { Message } from '../../src/core/message.js';
import { Sink, type Numbered } from '../lib/sink.js';
import type { Bench, Contestant, Scenario } from '../lib/types.js';
import { encodeJson, Gate, idHeaders, MSG_ID, pipeline, rawConnection, wsUrl } from './nats-env.js';

/** Publishes in flight at once in `jetstream/publish-pipelined`. */
const WINDOW = 64;
/** Messages the consume stream holds beyond what a consumer will take, so the server always has more to send. */
const HEADROOM = 4096;
/** isoflux's subscriber pulls min(bufferSize 1024, 256) per request; the raw consumer is given the same. */
const PULL_BATCH = 256;
const TARGET = { text: '≥ 1.0x raw @nats-io/jetstream doing the same work', conditions: [{ peer: 'nats-core', minRatio: 1 }] } as const;
const NOT_MEASURED =
  'nats-server CPU and its file-store fsync behaviour (the same server for both), replicated streams (one node), ' +
  'de-duplication hits (every id is fresh), redeliveries, TCP connections (both use WebSocket).';

/** A stream of its own per contestant, so one's stored messages never slow the other's appends. */
async function publishStream(nc: NatsConnection, label: string): Promise<{ subject: string; drop(): Promise<void> }> {
  const jsm = await jetstreamManager(nc);
  const name = `BENCH_${label}_${nuid.next()}`;
  await jsm.streams.add({ name, subjects: [`${name}.>`] });
  return { subject: `${name}.orders`, drop: async () => void (await jsm.streams.delete(name)) };
}

type Publish = 'serial' | 'pipelined';

function isofluxPublisher(mode: Publish): Contestant {
  return {
    name: 'isoflux',
    role: 'isoflux',
    note: `createJetStreamPublisher(nc).publish() (generated id in Nats-Msg-Id), ${mode === 'serial' ? 'awaiting each ack' : `${WINDOW} acks in flight`}`,
    async setup(): Promise<Bench> {
      const nc = await connectNats(wsUrl());
      const stream = await publishStream(nc, 'ISOFLUX');
      const pub = createJetStreamPublisher<Record<string, Numbered>>(nc);
      const sink = new Sink();
      let next = 0;
      const send = (i: number): Promise<void> => pub.publish(stream.subject, { n: i }).then(() => sink.add({ n: i }));
      return {
        async run(n) {
          const first = next;
          next += n;
          if (mode === 'pipelined') return void (await pipeline(first, n, WINDOW, send));
          for (let i = first; i < first + n; i++) await send(i);
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: async () => (await stream.drop(), await nc.close()),
      };
    },
  };
}

function rawPublisher(mode: Publish): Contestant {
  return {
    name: 'nats-core',
    role: 'peer',
    note: `@nats-io/jetstream js.publish(subject, JSON bytes, { msgID: nuid.next() }), ${mode === 'serial' ? 'awaiting each ack' : `${WINDOW} acks in flight`}`,
    async setup(): Promise<Bench> {
      const nc = await rawConnection();
      const stream = await publishStream(nc, 'RAW');
      const js = jetstream(nc);
      const sink = new Sink();
      let next = 0;
      const send = (i: number): Promise<void> => js.publish(stream.subject, encodeJson({ n: i }), { msgID: nuid.next() }).then(() => sink.add({ n: i }));
      return {
        async run(n) {
          const first = next;
          next += n;
          if (mode === 'pipelined') return void (await pipeline(first, n, WINDOW, send));
          for (let i = first; i < first + n; i++) await send(i);
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: async () => (await stream.drop(), await nc.close()),
      };
    },
  };
}

/**
 * The stream every consume contestant reads from its start, filled ahead of them in isoflux's wire format
 * (JSON payload, `Nats-Msg-Id`) by plain core publishes, outside the timed part of a run.
 */
class ConsumeStream {
  readonly name = `BENCH_CONSUME_${nuid.next()}`;
  readonly subject = `${this.name}.orders`;
  #nc: NatsConnection | undefined;
  #jsm: JetStreamManager | undefined;
  #stored = 0;

  async open(): Promise<void> {
    if (this.#nc !== undefined) return;
    this.#nc = await rawConnection();
    this.#jsm = await jetstreamManager(this.#nc);
    await this.#jsm.streams.add({ name: this.name, subjects: [`${this.name}.>`] });
  }

  /** Makes sure the stream holds at least `count` messages (+ headroom); waits until they are stored. */
  async fill(count: number): Promise<void> {
    const nc = this.#nc as NatsConnection;
    const jsm = this.#jsm as JetStreamManager;
    if (this.#stored >= count + HEADROOM) return;
    const target = count + 4 * HEADROOM;
    for (; this.#stored < target; this.#stored++) nc.publish(this.subject, encodeJson({ n: this.#stored }), { headers: idHeaders() });
    await nc.flush();
    while ((await jsm.streams.info(this.name)).state.last_seq < target) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  async close(): Promise<void> {
    await this.#jsm?.streams.delete(this.name).catch(() => undefined);
    await this.#nc?.close();
    this.#nc = undefined;
  }
}

const consumeStream = new ConsumeStream();

/** Times one run of a gated consumer: fill (untimed), then let `n` through and wait for them. */
async function consumeRun(gate: Gate, sink: Sink, n: number): Promise<number> {
  await consumeStream.fill(gate.budget + n);
  const start = performance.now();
  const reached = sink.reach(gate.budget + n);
  gate.open(n);
  await reached;
  return performance.now() - start;
}

const isofluxConsumer: Contestant = {
  name: 'isoflux',
  role: 'isoflux',
  note: `createJetStreamSubscriber(nc, { stream }).subscribe(pattern, handler): ephemeral pull consumer, consume() ${PULL_BATCH} at a time, auto-ack when the handler returns`,
  async setup(): Promise<Bench> {
    await consumeStream.open();
    const nc = await connectNats(wsUrl());
    const subscriber = createJetStreamSubscriber<Record<string, Numbered>>(nc, { stream: consumeStream.name });
    const sink = new Sink();
    const gate = new Gate();
    const handler = (m: Message<Numbered>): void | Promise<void> =>
      sink.count < gate.budget ? sink.add(m.payload) : gate.next().then(() => sink.add(m.payload));
    await subscriber.subscribe(`${consumeStream.name}.>`, handler).ready;
    return {
      run: (n) => consumeRun(gate, sink, n),
      delivered: () => sink.count,
      checksum: () => sink.total,
      async teardown() {
        gate.open(Infinity); // a parked handler would hold close() forever
        await subscriber.close();
        await nc.close();
        await consumeStream.close();
      },
    };
  },
};

const rawConsumer: Contestant = {
  name: 'nats-core',
  role: 'peer',
  note: `@nats-io/jetstream ephemeral pull consumer (explicit ack, same config as isoflux's), consume({ max_messages: ${PULL_BATCH} }) iterated; msg.json(), id header read, then m.ack()`,
  async setup(): Promise<Bench> {
    await consumeStream.open();
    const nc = await rawConnection();
    const js: JetStreamClient = jetstream(nc);
    const jsm = await js.jetstreamManager();
    const info = await jsm.consumers.add(consumeStream.name, {
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      max_deliver: -1,
      filter_subject: `${consumeStream.name}.>`,
    });
    const messages = await js.consumers.getConsumerFromInfo(info).consume({ max_messages: PULL_BATCH });
    const sink = new Sink();
    const gate = new Gate();
    let withIds = 0;
    void (async () => {
      for await (const m of messages) {
        if (sink.count >= gate.budget) await gate.next();
        if (m.headers?.get(MSG_ID)) withIds++;
        sink.add(m.json<Numbered>());
        m.ack();
      }
    })();
    return {
      run: (n) => consumeRun(gate, sink, n),
      delivered: () => Math.min(sink.count, withIds),
      checksum: () => sink.total,
      async teardown() {
        gate.open(Infinity);
        await messages.close();
        await jsm.consumers.delete(consumeStream.name, info.name).catch(() => undefined);
        await nc.close();
        await consumeStream.close();
      },
    };
  },
};

export const jetstreamScenarios: readonly Scenario[] = [
  {
    name: 'jetstream/publish-serial',
    unit: 'msg/s',
    description: 'one small JSON message with a Nats-Msg-Id published into a file-backed stream, awaiting its ack before the next; acked msg/s',
    expectedDeliveries: (ops) => ops,
    contestants: [isofluxPublisher('serial'), rawPublisher('serial')],
    target: TARGET,
    notMeasured: NOT_MEASURED,
    cpuPerOp: true,
  },
  {
    name: 'jetstream/publish-pipelined',
    unit: 'msg/s',
    description: `as publish-serial with ${WINDOW} publishes awaiting their ack at any time; acked msg/s`,
    expectedDeliveries: (ops) => ops,
    contestants: [isofluxPublisher('pipelined'), rawPublisher('pipelined')],
    target: TARGET,
    notMeasured: NOT_MEASURED,
    cpuPerOp: true,
  },
  {
    name: 'jetstream/consume',
    unit: 'msg/s',
    description: 'messages already in a file-backed stream, each decoded, handed to a handler and acked through a pull consumer; the stream is filled ahead, outside the timed part',
    expectedDeliveries: (ops) => ops,
    contestants: [isofluxConsumer, rawConsumer],
    target: TARGET,
    notMeasured: NOT_MEASURED,
    cpuPerOp: true,
  },
];
