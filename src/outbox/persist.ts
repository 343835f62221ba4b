/**
 * Persistent storage: the browser may evict an origin's IndexedDB under storage pressure (and Safari deletes
 * script-writable storage of a site not visited for 7 days) unless the origin was granted persistence.
 * @module
 */

interface StorageManagerLike {
  persist?: () => Promise<boolean>;
  persisted?: () => Promise<boolean>;
}

function storageManager(): StorageManagerLike | undefined {
  return (globalThis as { navigator?: { storage?: StorageManagerLike } }).navigator?.storage;
}

/**
 * Asks the browser to keep this origin's storage (the outbox's IndexedDB included) when it runs short of
 * space: `navigator.storage.persist()`. Resolves with whether persistence is granted. Chromium decides
 * from site engagement (an installed app, a bookmark, granted notifications) without a prompt; Firefox
 * asks the user; Safari grants it to installed web apps. Resolves false where there is no StorageManager
 * (Node, Deno, workerd) and when the call fails. Even granted, it does not stop the user from clearing the
 * site's data.
 */
export async function requestPersistentStorage(): Promise<boolean> {
  const storage = storageManager();
  if (typeof storage?.persist !== 'function') return false;
  try {
    return await storage.persist();
  } catch {
    return false;
  }
}

/** `navigator.storage.persisted()`: true when granted, false when not, undefined where it cannot be asked. */
export async function storagePersisted(): Promise<boolean | undefined> {
  const storage = storageManager();
  if (typeof storage?.persisted !== 'function') return undefined;
  try {
    return await storage.persisted();
  } catch {
    return undefined;
  }
}
