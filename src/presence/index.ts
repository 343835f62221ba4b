/**
 * @module isoflux/presence — who is on a namespace: across the tabs of one origin from Web Locks (no
 * heartbeat; a closed tab leaves the moment the browser releases its lock) with `joinTabs`, and across
 * devices over any bus (NATS) with `joinNetwork` (join and leave announcements, a roll call for devices that
 * vanish). Join and leave events; every announcement from another tab or device is decoded and checked.
 */
export { joinTabs, TabPresence, type PresenceLockManager, type TabPresenceOptions } from './tabs.js';
export { joinNetwork, NetworkPresence, type NetworkPresenceOptions } from './network.js';
export type { LeaveReason, Member, Presence, PresenceChange, PresenceListener, PresenceMeta } from './member.js';
export type { PresenceBus, PresenceOptions } from './options.js';
export { PresenceFrameError } from './errors.js';
export { MAX_META_BYTES, PRESENCE_VERSION } from './wire.js';
