/**
 * isoflux: the contract. The message envelope, the interfaces every transport implements (and `Bus<M>`,
 * the name for a typed bus of any transport), typed topic maps, subjects, codecs, schemas, errors, middleware
 * composition and the wiretap. Transports live in subpath exports (`isoflux/memory`, `isoflux/nats`, …);
 * the kit for writing one (`createBus`, the driver toolkit) in `isoflux/transport`.
 * @module
 */
export * from './core/errors.js';
export {
  assertSubject,
  assertQueueName,
  isValidSubject,
  isValidPattern,
  hasWildcard,
  matchSubject,
  DEFAULT_SUBJECT_LIMITS,
  type AssertSubjectOptions,
  type SubjectLimits,
} from './core/subject.js';
export { createMessage, type Acker, type DeliveryInfo, type Headers, type Message, type MessageInit } from './core/message.js';
export type * from './core/interfaces.js';
export type * from './core/topics.js';
export type { Bus, PubSubBus } from './core/bus.js';
export { jsonCodec, textCodec, bytesCodec, cloneCodec, cloneValue, decodeWith, type Codec, type JsonCodecOptions } from './core/codec.js';
export { validate, type StandardSchemaV1, type InferOutput } from './core/schema.js';
export { compose } from './core/compose.js';
export { tap, type TapEvent, type TapKind, type TapListener, type Tappable } from './core/wiretap.js';
