/**
 * `Bus<M>`: the one name for "a bus of my topics", whatever transport made it.
 * @module
 */
import type { Publisher, Requester, Responder, Subscriber } from './interfaces.js';
import type { AnyTopics, TopicMap } from './topics.js';

/**
 * A typed bus without request/reply: publish, subscribe and a lifetime, over the topic map `M`. Every bus
 * a transport returns is one, including those whose wire has no request/reply (`createPostgresBus`, the
 * JetStream subscriber, the HTTP handler). Prefer {@link Bus}; write this where code must also accept those.
 */
export interface PubSubBus<M extends TopicMap = AnyTopics> extends Publisher<M>, Subscriber<M>, AsyncDisposable {
  /** True once `close()` was called (or the bus's signal aborted). */
  readonly isClosed: boolean;
  /** Ends the bus and every subscription on it. Idempotent. */
  close(): Promise<void>;
}

/**
 * A typed bus over the topic map `M`: publish, subscribe, request, respond, close. What `createMemoryBus`,
 * `createBroadcastBus`, `createNatsBus`, `connectWorkerBus` and `connectShared` return is assignable to it,
 * so code written against `Bus<Topics>` moves between transports unchanged:
 *
 * ```ts
 * type Topics = { 'orders.created': { id: string } };
 * function wire(bus: Bus<Topics>): void {
 *   bus.subscribe('orders.created', (m) => console.log(m.payload.id));
 * }
 * wire(createMemoryBus<Topics>());
 * ```
 */
export interface Bus<M extends TopicMap = AnyTopics> extends PubSubBus<M>, Requester<M>, Responder<M> {}
