/**
 * @module isoflux/postgres — publish/subscribe across processes through PostgreSQL LISTEN/NOTIFY
 * (at-most-once, ordered per bus, 7999-byte notifications, transactional publish), on the caller's
 * `postgres` client.
 */
export { PostgresBus, createPostgresBus, type PostgresBusOptions, type PostgresBusStats, type PostgresPublishOptions, type PostgresSql } from './bus.js';
export { NOTIFY_PAYLOAD_LIMIT } from './envelope.js';
export { EnvelopeError, PartitionUnsupportedError, PostgresConnectionError, PostgresUnsupportedError, type EnvelopeFault } from './errors.js';
export type { QuerySql } from './sender.js';
