/**
 * @module isoflux/versioning — schema versions across app versions: a publisher wrapper that stamps each
 * message with its subject's schema version, and a middleware that upcasts older versions (a hook per
 * subject) and reports the rest as a typed `version_mismatch`, so two builds on one namespace never
 * mis-decode each other. Works with any transport.
 */
export { SCHEMA_VERSION_HEADER, type SchemaVersions, type SubjectSchema, type Upcaster } from './versions.js';
export { VersionMismatchError, type VersionMismatchReason } from './errors.js';
export { versioned, type VersionedOptions } from './middleware.js';
export { versionedPublisher } from './publisher.js';
