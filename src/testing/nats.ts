/**
 * A fake NATS server with clients, in one process: at-most-once pub/sub with wildcards, queue groups across
 * clients, request/reply, and connection loss on command (`disconnect()` drops what is published, as NATS
 * core does; `reconnect()` resumes the same subscriptions).
 * @module
 */
import type { AnyTopics, TopicMap } from '../core/topics.js';
import type { BusOptions } from '../transport/options.js';
import { FakeNetwork, type FakeEndpoint } from './network.js';

/** A client of a {@link FakeNatsServer}: a bus with the NATS bus's surface, plus `disconnect`/`reconnect`. */
export type FakeNatsClient<M extends TopicMap = AnyTopics> = FakeEndpoint<M>;

/** A NATS server that lives in memory. Payloads are copied (structured clone), as encoding would. */
export class FakeNatsServer<M extends TopicMap = AnyTopics> extends FakeNetwork<M> {
  constructor() {
    super('nats');
  }

  /** A new client connection; `options` as for {@link FakeNetwork.endpoint}. */
  connect(name?: string, options?: BusOptions): FakeNatsClient<M> {
    return this.endpoint(name, options);
  }
}

/** A fake NATS server; `connect()` gives its clients. */
export function createFakeNatsServer<M extends TopicMap = AnyTopics>(): FakeNatsServer<M> {
  return new FakeNatsServer<M>();
}
