/**
 * @module isoflux/memory — the in-process bus: wildcards, per-subscriber overflow policies, queue groups,
 * request/reply, and a publish that can wait until every handler finished.
 */
export { createMemoryBus, MemoryBus, type MemoryBusOptions, type MemoryBusStats, type MemoryPublishOptions } from './bus.js';
export type { PayloadProtection } from './payload.js';
