/**
 * @module isoflux/inbox — effectively-once processing: an inbox records the ids of processed messages
 * (IndexedDB in browsers, memory, or a store of your own; bounded by a TTL and a size), skips a redelivered
 * id, and lets an app commit the id in the same IndexedDB transaction as its own writes.
 */
export { Inbox, createInbox, type InboxContext, type InboxHandler, type InboxOptions, type InboxStats } from './inbox.js';
export { INBOX_STORE, createInboxObjectStore, idbInboxStore, type IdbInboxStore, type IdbInboxStoreOptions } from './idb-store.js';
export { memoryInboxStore } from './memory-store.js';
export type { InboxStore } from './store.js';
