/**
 * @module isoflux/testing — test kit for apps on isoflux: `record(bus)` (every message a bus publishes,
 * delivers, drops, acks …, through the wiretap), `waitFor`, `expectNoDrops`, matchers for Vitest and Jest,
 * and in-memory fakes of the transports: JetStream with acks and redelivery, tabs of a broadcast namespace,
 * NATS clients that lose their connection on command, and an outbox whose target fails on command. Every
 * wait is a plain `setTimeout`: fake timers (Vitest's, @sinonjs/fake-timers) drive them.
 */
export { record, Recording, type RecordOptions, type RecordedMessage, type WaitForOptions } from './recorder.js';
export { matchesPartial, matchesPayload, type DeepPartial, type PayloadMatch } from './match.js';
export { isofluxMatchers, type IsofluxMatchers, type MatcherContext, type MatcherResult } from './matchers.js';
export { FakeEndpoint, FakeNetwork } from './network.js';
export { FakeNamespace, createFakeNamespace, type FakeTab } from './tabs.js';
export { FakeNatsServer, createFakeNatsServer, type FakeNatsClient } from './nats.js';
export { FakeJetStream, createFakeJetStream, type FakeJetStreamOptions, type FakeJetStreamSubscribeOptions } from './jetstream.js';
export type { FakeConsumerBehaviour, FakeDeadLetter, FakeDeadLetterTarget } from './jetstream-consumer.js';
export type { FakePublishAck, FakeStreamOptions, StoredMessage } from './jetstream-stream.js';
export { FakeStream } from './jetstream-stream.js';
export { FakeTarget, createFakeTarget, createFakeOutbox, type DeliveredToTarget, type FakeOutbox } from './outbox.js';
export { TapSource, type TapFields } from './emit.js';
