/**
 * @module isoflux/nats/internal — the NATS wire format of isoflux, for transports that build on the nats
 * transport (isoflux/jetstream does), as `@nats-io/jetstream` builds on `@nats-io/nats-core/internal`. Not for
 * applications: use `isoflux/nats`. What it fixes, so every NATS-based transport speaks the same format:
 * - the message id travels in the `Nats-Msg-Id` header ({@link MSG_ID_HEADER}), the header JetStream
 *   de-duplicates on, and user headers are NATS headers ({@link toNatsHeaders} / {@link fromNatsHeaders});
 * - the payload is the codec's bytes, checked against the server's `max_payload` with the headers counted
 *   ({@link encodeForNats}); a received payload is decoded and schema-checked by {@link decodePayload};
 * - nats-core errors map to isoflux's (`closed`, `timeout`, `no_responders`) by {@link fromNatsError}.
 *
 * A declared entry (package.json `exports["./nats/internal"]`): the import-boundary rule
 * (scripts/lint-boundaries.mjs) lets jetstream import this file and no other file of src/nats. It may change in
 * a minor version together with the transports that use it; the implementation stays in `wire.ts`.
 */
export { MSG_ID_HEADER, assertOpen, decodePayload, encodeForNats, fromNatsError, fromNatsHeaders, headerBytes, isNoResponders, toNatsHeaders } from './wire.js';
