import { inject } from 'vitest';
import { connectNats, createNatsBus } from '../../src/nats/index.js';
import { describeConformance } from './conformance/suite.js';

for (const messageIds of ['always', 'explicit'] as const) {
  describeConformance({
    name: `nats (WebSocket, two connections, messageIds: ${messageIds})`,
    async connect() {
      // opened inside the test: workerd cannot share I/O objects between requests
      const url = inject('natsWsUrl');
      const [pubConn, subConn] = await Promise.all([connectNats(url), connectNats(url)]);
      const publisher = createNatsBus(pubConn, { messageIds });
      const subscriber = createNatsBus(subConn, { messageIds });
      return {
        publisher,
        subscriber,
        async close() {
          await Promise.all([publisher.close(), subscriber.close()]);
          await Promise.all([pubConn.close(), subConn.close()]);
        },
      };
    },
    supports: { requestReply: true, queueGroups: true, serializes: true },
  });
}
