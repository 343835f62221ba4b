/**
 * isoflux on a three-node nats-server cluster with JetStream (test/setup/nats-cluster.mjs): the engine users
 * grow into. Clients on different nodes talk; a client whose node crashes moves to another one and keeps its
 * subscriptions; the stream leader crashes while an outbox drains into an R3 stream and a durable consumer
 * works through it — nothing lost, nothing stored twice; the crashed node rejoins. Failover times are printed
 * (`[cluster] …` lines) and quoted in the README's "Clustering" section.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import { startNatsCluster, type ClusterNode, type JszReport, type NatsCluster } from '../setup/nats-cluster.mjs';
import { connectNats, createNatsBus } from '../../src/nats/index.js';
import { createJetStreamConsumer, createJetStreamPublisher, ensureStream, type JetStreamPublisher } from '../../src/jetstream/index.js';
import { createOutbox, memoryStore } from '../../src/outbox/index.js';
import { exponentialBackoff } from '../../src/middleware/index.js';
import type { Message } from '../../src/index.js';
import { Inbox, sleep } from '../portable/conformance/wait.js';

/** What the core NATS tests send. */
type Topics = {
  'cluster.orders.created': { total: number };
  'cluster.price': { sku: string };
  'cluster.moves': { n: number };
};

/** Elections take ~5 s here; a test may sit through two of them plus a redelivery. */
const CLUSTER_TEST_MS = 60_000;

let cluster: NatsCluster;
beforeAll(async () => {
  cluster = await startNatsCluster();
}, 30_000);
afterAll(async () => {
  await cluster?.dispose();
});

/** Connections opened by a test, closed after it. */
const opened: NatsConnection[] = [];

/**
 * A client given the whole server list, `node` first (`noRandomize`), so it starts on `node` and can move to
 * the others even before the server's INFO (`connect_urls`) told it about them.
 * `reconnectTimeWait: 100`: nats-core waits out the rest of `reconnectTimeWait` before redialling a server it
 * connected to less than that long ago, and a test's connections are young (a long-lived one redials at once).
 */
async function connectTo(node: ClusterNode): Promise<NatsConnection> {
  const servers = [node.wsUrl, ...cluster.wsUrls.filter((url) => url !== node.wsUrl)];
  const nc = await connectNats(servers, { reconnectTimeWait: 100, noRandomize: true, name: `cluster-test-${opened.length}` });
  opened.push(nc);
  return nc;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((nc) => nc.close()));
  // every test starts with three healthy nodes agreeing on a meta leader
  for (const node of cluster.nodes) if (!node.running) await node.start();
  await cluster.metaLeader();
}, CLUSTER_TEST_MS);

/** Polls `condition` every 20 ms until it holds; fails with `what` after `timeoutMs`. */
async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Resolves with the time of the connection's next status event of `type`. */
function nextStatus(nc: NatsConnection, type: 'reconnect' | 'disconnect'): Promise<{ at: number; server: string | undefined }> {
  return (async () => {
    for await (const status of nc.status()) {
      if (status.type === type) return { at: Date.now(), server: 'server' in status ? String(status.server) : undefined };
    }
    throw new Error(`connection closed before a ${type} event`);
  })();
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Stream info, or undefined while the stream has no leader to answer (an election). */
async function streamInfo(jsm: JetStreamManager, stream: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(stream);
  } catch {
    return undefined;
  }
}

/** True when the stream has a leader and every other replica is current (caught up), none offline. */
function fullyReplicated(info: StreamInfo | undefined, size: number): boolean {
  const replicas = info?.cluster?.replicas ?? [];
  return info?.cluster?.leader !== undefined && replicas.length === size - 1 && replicas.every((r) => r.current && !r.offline);
}

/**
 * Asks the durable's leader to step down (a JetStream API with no nats.js helper; the successor is random)
 * until `node` leads it, so killing the stream leader on `node` also takes the consumer's leader.
 */
async function leadConsumerOn(nc: NatsConnection, jsm: JetStreamManager, stream: string, durable: string, node: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const info = await jsm.consumers.info(stream, durable).catch(() => undefined);
    const replicas = info?.cluster?.replicas ?? [];
    const settled = info?.cluster?.leader !== undefined && replicas.length === 2 && replicas.every((r) => r.current);
    if (settled && info?.cluster?.leader === node) return;
    if (Date.now() > deadline) throw new Error(`consumer ${durable} still led by ${info?.cluster?.leader}, not ${node}`);
    if (settled) await nc.request(`$JS.API.CONSUMER.LEADER.STEPDOWN.${stream}.${durable}`, '', { timeout: 2000 }).catch(() => undefined);
    await sleep(100);
  }
}

describe('a three-node JetStream cluster', () => {
  it(
    'clients connected to different nodes publish, subscribe and request across the routes',
    async () => {
      const [n1, n2, n3] = (await Promise.all(cluster.nodes.map(connectTo))) as [NatsConnection, NatsConnection, NatsConnection];
      expect([n1.info?.server_name, n2.info?.server_name, n3.info?.server_name]).toEqual(['n1', 'n2', 'n3']);
      const [onN1, onN2, onN3] = [createNatsBus<Topics>(n1), createNatsBus<Topics>(n2), createNatsBus<Topics>(n3)];

      const atN1 = new Inbox<{ total: number }>();
      const atN3 = new Inbox<{ total: number }>();
      await onN1.subscribe('cluster.orders.*', atN1.push).ready;
      await onN3.subscribe('cluster.orders.*', atN3.push).ready;
      // n2 must know of both subscriptions before a message published there can reach them
      await cluster.node('n2').routedInterest('cluster.orders.*', { routes: 2 });
      await onN2.publish('cluster.orders.created', { total: 5 }, { id: 'order-1' });
      const [[fromN1], [fromN3]] = await Promise.all([atN1.waitFor(1), atN3.waitFor(1)]);
      expect([fromN1?.id, fromN1?.payload]).toEqual(['order-1', { total: 5 }]);
      expect([fromN3?.id, fromN3?.payload]).toEqual(['order-1', { total: 5 }]);

      await onN3.respond('cluster.price', (m) => ({ sku: m.payload.sku, price: 7 })).ready;
      await cluster.node('n1').routedInterest('cluster.price');
      const reply = await onN1.request('cluster.price', { sku: 'a-1' });
      expect(reply.payload).toEqual({ sku: 'a-1', price: 7 });
    },
    CLUSTER_TEST_MS,
  );

  it(
    'a client whose node is killed moves to another node within 2 s and its subscriptions resume',
    async () => {
      const mover = await connectTo(cluster.node('n1'));
      const connectedAt = Date.now();
      const sender = await connectTo(cluster.node('n2'));
      const received = new Inbox<{ n: number }>();
      await createNatsBus<Topics>(mover).subscribe('cluster.moves', received.push).ready;
      const senderBus = createNatsBus<Topics>(sender);
      await cluster.node('n2').routedInterest('cluster.moves');
      await senderBus.publish('cluster.moves', { n: 1 });
      await received.waitFor(1);

      // nats-core redials at once only when the lost connection is older than reconnectTimeWait (100 ms here,
      // plus up to 100 ms jitter); a younger one first waits out the rest. Production connections are old.
      await waitUntil('the connection is older than reconnectTimeWait', () => Date.now() - connectedAt > 250, 1000);
      const connectedForMs = Date.now() - connectedAt;
      const reconnected = nextStatus(mover, 'reconnect');
      const killedAt = Date.now();
      await cluster.node('n1').kill();
      const { at } = await withTimeout(reconnected, 10_000, 'reconnect after n1 was killed');
      const movedMs = at - killedAt;
      const now = mover.info?.server_name;
      console.log(`[cluster] client moved n1 → ${now} in ${movedMs} ms after SIGKILL (connection up ~${connectedForMs} ms before)`);
      expect(now).not.toBe('n1');
      expect(movedMs).toBeLessThan(2000);

      // nats-core subscribed again on the new node; once n2 knows, traffic flows again
      if (now !== 'n2') await cluster.node('n2').routedInterest('cluster.moves');
      await senderBus.publish('cluster.moves', { n: 2 });
      await received.waitFor(2);
      expect(received.payloads).toEqual([{ n: 1 }, { n: 2 }]);
    },
    CLUSTER_TEST_MS,
  );

  it(
    'the stream leader dies while an outbox drains 2,000 messages: none lost, none stored twice, the consumer goes on, the node rejoins',
    async () => {
      const admin = await connectTo(cluster.nodes[0] as ClusterNode);
      const jsm = await jetstreamManager(admin, { timeout: 2000 });
      const stream = 'CLUSTER_ORDERS';
      await ensureStream(jsm, { name: stream, subjects: ['corders.>'], num_replicas: 3 });
      let info: StreamInfo | undefined;
      await waitUntil('R3 stream with every replica current', async () => fullyReplicated((info = await streamInfo(jsm, stream)), 3), 20_000);
      const leader = cluster.node(info?.cluster?.leader as string);
      const [producerNode, consumerNode] = cluster.nodes.filter((n) => n !== leader) as [ClusterNode, ClusterNode];

      // the outbox's relay and the worker sit on followers: what they see is the election, not a reconnect
      const producer = await connectTo(producerNode);
      const js: JetStreamPublisher = createJetStreamPublisher(producer, { timeoutMs: 2000 });
      const box = createOutbox({
        store: memoryStore(),
        target: js,
        // FIFO per subject; eight subjects give the relay eight lanes in flight at once
        orderBy: 'subject',
        relay: { backoff: exponentialBackoff({ initialMs: 100, maxMs: 1000 }), requestTimeoutMs: 5000 },
      });

      const worker = await createJetStreamConsumer<{ n: number }>(await connectTo(consumerNode), { stream, durable: 'billing', filter: 'corders.orders.>', ackWaitMs: 5000 });
      await leadConsumerOn(admin, jsm, stream, 'billing', leader.name);
      const consumerLeader = (await jsm.consumers.info(stream, 'billing')).cluster?.leader;
      const processed = new Map<string, number>();
      let processedAfterKill = 0;
      let killedAt = Infinity;
      let fetchFailures = 0;
      const stop = new AbortController();
      const working = (async () => {
        while (!stop.signal.aborted) {
          let batch: Array<Message<{ n: number }>>;
          try {
            batch = await worker.fetch(200, { timeoutMs: 1000, signal: stop.signal });
          } catch {
            fetchFailures++; // no consumer leader for a moment: ask again
            await sleep(100);
            continue;
          }
          for (const m of batch) {
            processed.set(m.id, (processed.get(m.id) ?? 0) + 1);
            if (Date.now() > killedAt) processedAfterKill++;
            await m.ack();
          }
        }
      })();

      const ids = Array.from({ length: 2000 }, (_, i) => `order-${i}`);
      const enqueue = (from: number, to: number): Promise<unknown> =>
        Promise.all(ids.slice(from, to).map((id, k) => box.publish(`corders.orders.${(from + k) % 8}`, { n: from + k }, { id })));
      await enqueue(0, 1000);
      await waitUntil('300 messages processed before the kill', () => processed.size >= 300, 20_000);

      const metaLeader = await cluster.metaLeader();
      killedAt = Date.now();
      await leader.kill();
      await enqueue(1000, 2000); // stored at once; delivered once a new leader is elected
      let probeFailures = 0;
      let outageMs: number | undefined;
      while (outageMs === undefined) {
        try {
          await js.publishWithAck('corders.probe', { at: Date.now() }, { timeoutMs: 500 });
          outageMs = Date.now() - killedAt;
        } catch (error) {
          probeFailures++;
          if (Date.now() - killedAt > 30_000) throw error;
          await sleep(50);
        }
      }

      await box.drained({ signal: AbortSignal.timeout(30_000) });
      const drainedMs = Date.now() - killedAt;
      await waitUntil('every message processed', () => processed.size === 2000, 30_000);
      stop.abort();
      await working;
      const status = await box.refreshStatus();
      await box.close();
      await worker.close();

      const after = await streamInfo(jsm, stream);
      const newLeader = after?.cluster?.leader;
      const newConsumerLeader = (await jsm.consumers.info(stream, 'billing')).cluster?.leader;

      // the killed node comes back and catches up
      const restartedAt = Date.now();
      await leader.start();
      const healthyMs = Date.now() - restartedAt;
      // rejoined: its stream replica has caught up, and its /jsz knows the meta leader again
      let jsz: JszReport | undefined;
      await waitUntil(
        `${leader.name} rejoined`,
        async () => fullyReplicated(await streamInfo(jsm, stream), 3) && (jsz = await leader.jsz())?.meta_cluster?.leader !== undefined,
        30_000,
      );
      const rejoinMs = Date.now() - restartedAt;

      // read the stream back: every id exactly once, and in enqueue order per subject
      const reader = await createJetStreamConsumer<{ n: number }>(admin, { stream, filter: 'corders.orders.>' });
      const stored: Array<Message<{ n: number }>> = [];
      for (;;) {
        const batch = await reader.fetch(500, { timeoutMs: 2000 });
        if (batch.length === 0) break;
        for (const m of batch) await m.ack();
        stored.push(...batch);
      }
      await reader.close();
      const storedIds = stored.map((m) => m.id);
      const outOfOrder = [...new Set(stored.map((m) => m.subject))].filter((subject) => {
        const ns = stored.filter((m) => m.subject === subject).map((m) => m.payload.n);
        return ns.some((n, i) => i > 0 && n < (ns[i - 1] as number));
      });

      const redelivered = [...processed.values()].filter((count) => count > 1).length;
      console.log(
        `[cluster] stream leader ${leader.name} killed (meta leader ${metaLeader}): JetStream publish outage ${outageMs} ms (${probeFailures} failed probes), new leader ${newLeader}; ` +
          `consumer leader ${consumerLeader} → ${newConsumerLeader}; outbox drained ${drainedMs} ms after the kill ` +
          `(${status.retried} retries, last error: ${status.lastError?.message ?? 'none'}); ` +
          `${processedAfterKill} processed after the kill, ${redelivered} processed twice, ${fetchFailures} failed fetches; ` +
          `${leader.name} restarted: healthy in ${healthyMs} ms, rejoined (replica current, meta leader known) in ${rejoinMs} ms`,
      );

      expect(storedIds).toHaveLength(2000);
      expect(new Set(storedIds)).toEqual(new Set(ids));
      expect(outOfOrder).toEqual([]);
      expect([...processed.keys()].sort()).toEqual([...ids].sort());
      expect(processedAfterKill).toBeGreaterThanOrEqual(1000); // the second half was stored by the new leader
      expect(status.depth).toBe(0);
      expect(status.deadLetters).toBe(0);
      expect(status.retried).toBeGreaterThan(0); // the relay really met the outage
      expect(probeFailures).toBeGreaterThan(0);
      expect(newLeader).toBeDefined();
      expect(newLeader).not.toBe(leader.name);
      expect(consumerLeader).toBe(leader.name); // the kill took the consumer's leader too …
      expect(newConsumerLeader).toBeDefined();
      expect(newConsumerLeader).not.toBe(leader.name); // … and another node took over
      expect(jsz?.meta_cluster?.leader).toBeDefined();
      expect(jsz?.streams).toBeGreaterThanOrEqual(1);
      await jsm.streams.delete(stream);
    },
    CLUSTER_TEST_MS,
  );
});
