/**
 * @module isoflux/inspector — a live picture of the message flow, mountable in any app with one dev-only
 * call: messages per subject over time, each subscriber's buffer fill and drops, queue-group leaders per
 * tab, outbox depth and oldest age, connection state over time. SVG, no UI framework; built on the wiretap
 * (`tap`) and the status APIs the buses, outboxes and connections already have.
 */
export { mountInspector, Inspector, type InspectedConnection, type InspectedOutbox, type InspectorOptions } from './mount.js';
export type { WatchedSubscription } from './views.js';
export { FlowModel, MAX_SUBJECTS, OTHER_SUBJECTS, type ConnectionSample, type ModelTiming, type OutboxSample, type SubscriberCounts } from './model.js';
export { BucketSeries, SampleSeries, type Sample } from './series.js';
export { readQueueLeaders, type LockInfoLike, type LockQueryLike, type QueueLeader } from './leaders.js';
