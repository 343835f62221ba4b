import { createBroadcastBus } from '../../src/broadcast/index.js';
import { describeConformance } from './conformance/suite.js';

const hasBroadcastChannel = typeof BroadcastChannel === 'function';
const hasWebLocks = typeof (globalThis as { navigator?: { locks?: unknown } }).navigator?.locks === 'object';
let run = 0;

if (hasBroadcastChannel) {
  // Two buses on one namespace behave like two tabs: BroadcastChannel never echoes to its sender, even
  // within one page or process, so the suite's publisher and subscriber really talk across the channel.
  describeConformance({
    name: `broadcast (two buses${hasWebLocks ? ', Web Locks' : ', no Web Locks'})`,
    async connect() {
      const namespace = `conformance-${Date.now().toString(36)}-${run++}`;
      const publisher = createBroadcastBus({ namespace });
      const subscriber = createBroadcastBus({ namespace });
      await Promise.all([publisher.waitForPeers(1), subscriber.waitForPeers(1)]);
      return { publisher, subscriber, close: async () => void (await Promise.all([publisher.close(), subscriber.close()])) };
    },
    supports: { requestReply: true, queueGroups: hasWebLocks, serializes: true },
  });
}
// Where BroadcastChannel is missing (workerd), broadcast.test.ts asserts the typed `unsupported` error.
