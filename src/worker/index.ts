/**
 * @module isoflux/worker — a bus hosted in a dedicated Worker or a SharedWorker (one bus, and one network
 * connection, per origin) and used from every tab through comlink: publish, subscribe, request, respond,
 * with lifetimes that cross the boundary (a closed tab's subscriptions are released in the worker).
 */
export { exposeBus, type ExposeBusOptions, type ExposedBus, type HostEndpoint } from './host.js';
export { WorkerBus, connectWorkerBus } from './client.js';
export type { LeaderBusOptions, LeaderBusStats, WorkerBusOptions, WorkerBusStats, WorkerTarget } from './options.js';
export { ForgedReplyError, WorkerGoneError, WorkerHandshakeError, WorkerProtocolError } from './errors.js';
export type { HostedBus } from './session.js';
export { WorkerConnection, type HostedConnection, type WorkerConnectionSnapshot, type WorkerConnectionState } from './connection.js';
export type { LockManagerLike } from '../core/locks.js';
export { LeaderBus, connectLeaderBus } from './leader-bus.js';
export type { LeaderHosting, LeaderRole } from './leader-election.js';
export { LeaderGoneError } from './errors.js';
export { connectShared, type ConnectSharedOptions, type SharedBus } from './shared.js';
