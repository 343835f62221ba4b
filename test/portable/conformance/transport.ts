/**
 * What the conformance suite needs from a transport. Each transport's test file builds one of these;
 * the suite in ./suite.ts is written once and run for all of them.
 */
import type { Publisher, Requester, Responder, Subscriber, TopicMap } from '../../../src/index.js';

/** One side of the bus as the suite uses it (a bus, or one connection of a network transport). */
export type Endpoint = Publisher<TopicMap> & Subscriber<TopicMap> & Partial<Requester<TopicMap> & Responder<TopicMap>>;

/**
 * The publishing side: an {@link Endpoint}, or — in publisher-only mode — just a Publisher (the outbox, whose
 * relay delivers to the transport the subscriber endpoint belongs to).
 */
export type PublishingEndpoint = Publisher<TopicMap> & Partial<Requester<TopicMap>>;

/** A transport under test. */
export interface TransportUnderTest {
  /** Shown in test names. */
  readonly name: string;
  /**
   * Two endpoints that reach each other (for in-process transports they may be the same object) and a
   * teardown that releases everything they opened. Called once per test with the subject root every subject
   * of that test starts with (`<root>.…`), so a transport can prepare for it (e.g. a JetStream stream).
   */
  connect(root: string): Promise<{ publisher: PublishingEndpoint; subscriber: Endpoint; close(): Promise<void> }>;
  /**
   * Publisher-only mode: `publisher` is only a Publisher (e.g. an outbox relaying into the transport of
   * `subscriber`), so every test publishes through it and receives on a plain subscriber of its target. The
   * suite's markers assume one publish order across subjects: give such a publisher a single ordering key.
   */
  readonly publisherOnly?: boolean;
  /** What the transport supports; the suite asserts the rest throws a typed `unsupported` error or is absent. */
  readonly supports: {
    readonly requestReply: boolean;
    readonly queueGroups: boolean;
    /** Payloads are serialized (so a function in the payload is `not_serializable`). */
    readonly serializes: boolean;
    /**
     * A subscription's own `schema` option validates what it receives (default true). False where the
     * transport validates only at bus level, on its wire: postgres (the bus's `schema`, in its NOTIFY
     * receiver, shared by every subscription of the channel) and the HTTP handler (its `schema` runs on the
     * request body before anything is routed, so a subscription's option is never consulted).
     */
    readonly subscriptionSchema?: boolean;
  };
  /**
   * Strings this transport refuses on top of nats-server's core grammar, each a documented limit of its wire
   * (HTTP paths carry no control characters; JetStream filter subjects follow the server's stricter
   * `IsValidSubject`). The subject-answers check expects `invalid_subject` for them.
   */
  readonly stricterSubjects?: {
    readonly publish?: (subject: string) => boolean;
    readonly subscribe?: (pattern: string) => boolean;
  };
  /** How long to wait for a message that should arrive (default 2000 ms). */
  readonly deliveryTimeoutMs?: number;
  /** How long to watch for a message that must NOT arrive (default 100 ms). */
  readonly quietMs?: number;
}
