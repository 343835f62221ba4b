/**
 * @module isoflux/jetstream — JetStream over WebSocket (or any nats-core connection): publish resolving on the
 * server's persistence ack with message-id de-duplication, push subscriptions with automatic or manual
 * ack/nak/term/in-progress, a pull consumer, redelivery limits with dead-lettering, replay from a sequence or a
 * time, and an idempotent stream helper. At-least-once; effectively-once into the stream with message ids.
 */
export { JetStreamPublisher, createJetStreamPublisher, type JetStreamPublisherOptions, type JetStreamPublishOptions, type PublishAck, type PublishExpectations } from './publisher.js';
export { JetStreamSubscriber, createJetStreamSubscriber, type AckMode, type JetStreamSubscriberOptions, type JetStreamSubscribeOptions } from './subscriber.js';
export { JetStreamPullConsumer, createJetStreamConsumer, type JetStreamConsumerOptions } from './pull.js';
export type { ConsumerBehaviour, DeliverFrom } from './consumer-setup.js';
export { DEAD_LETTER_HEADERS, type DeadLetter, type DeadLetterTarget } from './dead-letter.js';
export { ensureStream, type EnsureStreamConfig, type EnsuredStream } from './stream.js';
export { NoStreamError, StreamConfigConflictError, type StreamConfigDifference } from './errors.js';
export type { JetStreamSource } from './source.js';
export { JetStreamGapError, ResumableSubscriber, createResumableSubscriber, indexedDbResumeStore, memoryResumeStore, type IndexedDbResumeStoreOptions, type ResumableSubscribeOptions, type ResumableSubscriberOptions, type Resumed, type ResumeGap, type ResumeStore } from './resume-index.js';
