/**
 * @module isoflux/middleware — behaviour around handlers (ack, retry policy, timeout, recover, dedup,
 * validation, logging) and around publishers (ids, headers, retries). Transport-independent: it only
 * wraps handlers and publish calls.
 */
export { chain } from './chain.js';
export { autoAck } from './auto-ack.js';
export { retryPolicy, decideRetry, isPoisonError, type RetryPolicyOptions, type RetryDecision, type DeadLetterReason, type DeadLetterObserver } from './retry-policy.js';
export { exponentialBackoff, type Backoff, type ExponentialBackoffOptions } from './backoff.js';
export { timeout } from './timeout.js';
export { recover, type RecoverOptions } from './recover.js';
export { dedup, type DedupOptions } from './dedup.js';
export { validatePayload, withSchema } from './validate.js';
export { logging, type HandlingRecord, type LoggingOptions } from './logging.js';
export { deriveMessage, signalOf } from './derived-message.js';
export { decoratePublisher, type AnyPublisher, type PublishCall, type PublisherMiddleware } from './publisher.js';
export { injectMessageId, injectHeaders, forwardedId } from './publish-headers.js';
export { retryPublish, isRetryablePublishError, type RetryPublishOptions } from './retry-publish.js';
