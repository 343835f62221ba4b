/**
 * @module isoflux/nats — NATS core over WebSocket (or any nats-core connection): at-most-once publish/subscribe
 * with wildcards and queue groups, request/reply with distinct `no_responders` and `timeout` errors, headers
 * and message ids end to end. The caller owns the connection; `connectNats` opens one that redials forever,
 * checks itself when the page wakes, and asks for fresh credentials at every reconnect; `watchConnection`
 * shows its state.
 */
export { NatsBus, createNatsBus, type NatsBusOptions, type NatsSubscribeOptions } from './bus.js';
export { connectNats, assertWebSocket, type ConnectNatsOptions } from './connect.js';
export { watchConnection, type ConnectionListener, type ConnectionSnapshot, type ConnectionState, type ConnectionStateSource, type ConnectionWatch, type WatchConnectionOptions } from './connection-state.js';
export { credentialsAuthenticator, type CredentialsSupplier, type NatsCredentials } from './credentials.js';
export { checkOnWake, boundedCloseFactory, type WakeCheckOptions, type WakeCheckResult } from './wake.js';
export { RequestRejectedError, StaleConnectionError, WebSocketUnavailableError } from './errors.js';
export { ControlLineTooLongError, DEFAULT_MAX_CONTROL_LINE } from './limits.js';
export { SubscriptionRefusedError, type RefusalReason } from './refusal.js';
export { ConnectionFailedError } from '../core/errors.js';
export { MSG_ID_HEADER } from './wire.js';
