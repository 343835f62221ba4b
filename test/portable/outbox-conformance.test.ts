/**
 * The conformance suite with the outbox as the publisher (publisher-only mode): each test publishes through
 * an outbox — `publish` resolves once stored, its relay delivers — and receives on a plain subscriber of the
 * outbox's target (the memory bus; NATS over WebSocket; IndexedDB as the store where there is one). One
 * ordering key, so the suite's markers arrive after everything published before them.
 */
import { inject } from 'vitest';
import { createMemoryBus } from '../../src/memory/index.js';
import { connectNats, createNatsBus } from '../../src/nats/index.js';
import { createOutbox, idbStore, memoryStore, type OutboxStore } from '../../src/outbox/index.js';
import type { Publisher } from '../../src/index.js';
import { describeConformance } from './conformance/suite.js';

const ONE_KEY = (): string => 'conformance';
let databases = 0;

/** An outbox over `store` relaying to `target`, without backoff waits worth mentioning. */
const outboxOver = (store: OutboxStore, target: Publisher) => createOutbox({ store, target, orderBy: ONE_KEY, relay: { backoff: () => 10 } });

const stores: Array<[string, () => OutboxStore]> = [['memoryStore', () => memoryStore()]];
if (typeof indexedDB !== 'undefined') stores.push(['idbStore', () => idbStore({ database: `outbox-conformance-${Date.now().toString(36)}-${databases++}` })]);

for (const [storeName, makeStore] of stores) {
  describeConformance({
    name: `outbox (${storeName}) → memory bus`,
    publisherOnly: true,
    async connect() {
      const bus = createMemoryBus();
      const store = makeStore();
      const outbox = outboxOver(store, bus);
      return {
        publisher: outbox,
        subscriber: bus,
        async close() {
          await outbox.close();
          store.close();
          await bus.close();
        },
      };
    },
    // the store copies payloads (structuredClone / IndexedDB): a function cannot be stored
    supports: { requestReply: false, queueGroups: true, serializes: true },
  });
}

describeConformance({
  name: 'outbox (memoryStore) → nats (WebSocket)',
  publisherOnly: true,
  async connect() {
    const url = inject('natsWsUrl');
    const [pubConn, subConn] = await Promise.all([connectNats(url), connectNats(url)]);
    const target = createNatsBus(pubConn);
    const subscriber = createNatsBus(subConn);
    const outbox = outboxOver(memoryStore(), target);
    return {
      publisher: outbox,
      subscriber,
      async close() {
        await outbox.close();
        await Promise.all([target.close(), subscriber.close()]);
        await Promise.all([pubConn.close(), subConn.close()]);
      },
    };
  },
  supports: { requestReply: false, queueGroups: true, serializes: true },
});
