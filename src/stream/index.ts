/**
 * @module isoflux/stream — a subscription as a bounded stream: process with n in flight (order per
 * subject on request), tee, round-robin fan-out, merge, publish; backpressure reaches the publisher.
 */
export { MessageStream, toStream, merge, type BranchOptions, type PublishToOptions } from './message-stream.js';
export type { ProcessOptions, ProcessResult } from './process.js';
export type { MessageSource, StreamInput } from './source.js';
