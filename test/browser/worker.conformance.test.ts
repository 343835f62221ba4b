/**
 * The conformance suite against the worker transport in real Chromium: two tabs' buses (two sessions) on
 * one dedicated Worker and on one SharedWorker, each hosting a memory bus (fixtures/bus-worker.ts), and the
 * leader-tab mode of `connectShared`: a leader tab hosting a memory bus and two follower tabs, the suite's
 * publisher and subscriber, whose every call crosses the BroadcastChannel.
 */
import { createMemoryBus } from '../../src/memory/index.js';
import { connectLeaderBus, connectWorkerBus, type LeaderBus, type WorkerBus } from '../../src/worker/index.js';
import { describeConformance } from '../portable/conformance/suite.js';

const workerUrl = new URL('./fixtures/bus-worker.ts', import.meta.url);
/** Everything the worker transport carries: requests, queue groups (the hosted bus's), structured clone. */
const supports = { requestReply: true, queueGroups: true, serializes: true } as const;
let run = 0;

/** Two buses on one worker, and a teardown that closes them, then the worker. */
async function pair(connect: () => Promise<WorkerBus>, stop: () => void): Promise<{ publisher: WorkerBus; subscriber: WorkerBus; close(): Promise<void> }> {
  const [publisher, subscriber] = await Promise.all([connect(), connect()]);
  return {
    publisher,
    subscriber,
    async close() {
      await Promise.all([publisher.close(), subscriber.close()]);
      stop();
    },
  };
}

describeConformance({
  name: 'worker (dedicated Worker, two sessions)',
  async connect() {
    const worker = new Worker(workerUrl, { type: 'module' });
    return pair(() => connectWorkerBus(worker, { callTimeoutMs: 5000 }), () => worker.terminate());
  },
  supports,
});

describeConformance({
  name: 'worker (SharedWorker, two connections)',
  async connect() {
    const name = `conformance-${Date.now().toString(36)}-${run++}`;
    const ports: MessagePort[] = [];
    const connect = (): Promise<WorkerBus> => {
      const shared = new SharedWorker(workerUrl, { type: 'module', name });
      ports.push(shared.port);
      return connectWorkerBus(shared, { callTimeoutMs: 5000 });
    };
    // closing every port lets the SharedWorker end with its last connection
    return pair(connect, () => ports.forEach((port) => port.close()));
  },
  supports,
});

describeConformance({
  name: 'worker (leader tab, two followers)',
  async connect() {
    const name = `conformance-leader-${Date.now().toString(36)}-${run++}`;
    const server = createMemoryBus();
    const join = (): Promise<LeaderBus> => connectLeaderBus({ name, callTimeoutMs: 5000, host: () => ({ bus: server }) });
    // the first tab leads; the suite's two tabs follow it
    const leader = await join();
    const [publisher, subscriber] = await Promise.all([join(), join()]);
    if (leader.role !== 'leader' || publisher.role !== 'follower' || subscriber.role !== 'follower') throw new Error(`unexpected roles ${leader.role} / ${publisher.role} / ${subscriber.role}`);
    return {
      publisher,
      subscriber,
      async close() {
        await Promise.all([publisher.close(), subscriber.close()]);
        await leader.close();
        await server.close();
      },
    };
  },
  supports,
});
