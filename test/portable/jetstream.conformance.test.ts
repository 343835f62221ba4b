/**
 * The conformance suite over JetStream: a publisher on one WebSocket connection, a push subscriber on
 * another, and one stream per test capturing `<root>.>`. Request/reply is NATS core's, not JetStream's:
 * the endpoints have no `request`/`respond`, and the suite checks that they are absent.
 */
import { inject } from 'vitest';
import { connectNats } from '../../src/nats/index.js';
import { createJetStreamPublisher, createJetStreamSubscriber, ensureStream } from '../../src/jetstream/index.js';
import { describeConformance } from './conformance/suite.js';
import type { Endpoint } from './conformance/transport.js';

describeConformance({
  name: 'jetstream (WebSocket, two connections, one stream per test)',
  // consumer filter subjects follow nats-server's IsValidSubject, which refuses a form feed
  stricterSubjects: { subscribe: (pattern) => pattern.includes('\f') },
  async connect(root) {
    // opened inside the test: workerd cannot share I/O objects between requests
    const url = inject('natsWsUrl');
    const [pubConn, subConn] = await Promise.all([connectNats(url), connectNats(url)]);
    const stream = root.toUpperCase();
    await ensureStream(pubConn, { name: stream, subjects: [`${root}.>`] });
    const publisher = createJetStreamPublisher(pubConn);
    const subscriber = createJetStreamSubscriber(subConn, {
      stream,
      // A handler that throws is nak'ed and redelivered (JetStream's at-least-once, tested in
      // jetstream.test.ts). The suite counts the first failure; the redelivery is held back past the test.
      backoff: () => 60_000,
    });
    // Each side is one object: the publisher only publishes, the subscriber only subscribes.
    const endpoint: Endpoint = {
      publish: publisher.publish.bind(publisher) as Endpoint['publish'],
      subscribe: subscriber.subscribe.bind(subscriber) as Endpoint['subscribe'],
    };
    return {
      publisher: endpoint,
      subscriber: endpoint,
      async close() {
        await subscriber.close();
        await (await publisher.jetstream.jetstreamManager()).streams.delete(stream).catch(() => undefined);
        await Promise.all([pubConn.close(), subConn.close()]);
      },
    };
  },
  supports: { requestReply: false, queueGroups: true, serializes: true },
});
