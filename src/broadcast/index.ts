/**
 * @module isoflux/broadcast — the bus across the tabs, iframes and workers of one origin (BroadcastChannel):
 * wildcards, request/reply with `no_responders`, queue groups with failover (Web Locks), coalescing of a
 * tick's messages into one postMessage, namespaces and a checked wire version.
 */
export { BroadcastBus, createBroadcastBus } from './bus.js';
export type { BroadcastBusOptions, BroadcastBusStats } from './options.js';
export { BroadcastUnsupportedError, ForgedFrameError, MalformedFrameError, WireVersionError } from './errors.js';
export type { LockManagerLike } from '../core/locks.js';
export type { WireCounters } from './receive.js';
export { WIRE_VERSION } from './wire.js';
