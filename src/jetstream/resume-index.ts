/**
 * The resume-after-reload entry of the JetStream transport: one place the index re-exports from.
 * @module
 */
export { JetStreamGapError, ResumableSubscriber, createResumableSubscriber, type ResumableSubscribeOptions, type ResumableSubscriberOptions, type Resumed, type ResumeGap } from './resume.js';
export { indexedDbResumeStore, memoryResumeStore, type IndexedDbResumeStoreOptions, type ResumeStore } from './resume-store.js';
