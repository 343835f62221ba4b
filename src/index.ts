/**
 * isoflux core: the message envelope, the transport contract, subjects, codecs, schemas and errors.
 * Transports live in subpath exports (`isoflux/memory`, …).
 * @module
 */
export * from './core/errors.js';
export { assertSubject, assertQueueName, isValidSubject, isValidPattern, hasWildcard, matchSubject, DEFAULT_SUBJECT_LIMITS, type AssertSubjectOptions, type SubjectLimits } from './core/subject.js';
export { SubjectTrie } from './core/subject-trie.js';
export { nextId } from './core/id.js';
export { createMessage, type Acker, type DeliveryInfo, type Headers, type Message, type MessageInit } from './core/message.js';
export type * from './core/interfaces.js';
export type * from './core/topics.js';
export { jsonCodec, textCodec, bytesCodec, cloneCodec, cloneValue, decodeWith, type Codec, type JsonCodecOptions } from './core/codec.js';
export { validate, type StandardSchemaV1, type InferOutput } from './core/schema.js';
export { compose } from './core/compose.js';
export { BufferedSubscription, type SubscriptionHooks } from './core/subscription.js';
export { abortable } from './core/abort.js';
export { DeliveryTracker } from './core/settle.js';
export { ERROR_CODE_HEADER, ERROR_MESSAGE_HEADER, answering, errorReplyHeaders, unwrapReply, type SendReply } from './core/reply.js';
export { publishWithTelemetry, type Telemetry, type PublishInfo, type PublishScope, type ConsumeInfo, type SettleOutcome } from './core/telemetry.js';
export { subscribeArguments, resolveSubscribeOptions, type SubscribeArguments } from './core/subscribe-args.js';
export { PendingRequests, type OpenRequest } from './core/pending-requests.js';
export { tap, Taps, TAP, tapClock, type TapEvent, type TapKind, type TapListener, type Tappable } from './core/wiretap.js';
