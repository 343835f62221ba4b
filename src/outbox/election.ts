/**
 * One relay per origin: the contexts sharing a store elect one through Web Locks.
 * @module
 */

interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown>;
}

/** The Web Lock of the relay election of the store named `storeName` (tabs, workers and the Service Worker). */
export function relayLockName(storeName: string): string {
  return `isoflux-outbox:${storeName}`;
}

/** True where the Web Locks API exists (browsers: tabs and workers). */
export function hasWebLocks(): boolean {
  return locks() !== undefined;
}

function locks(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return typeof nav?.locks?.request === 'function' ? nav.locks : undefined;
}

/**
 * Runs `lead` while this context holds the Web Lock `name`. Other contexts asking for the same name wait;
 * when the holder's tab closes or crashes the browser releases the lock and the next one in line runs its
 * `lead`. The lock is held until `lead`'s promise settles, which should happen once `signal` aborts; an
 * abort while still waiting just leaves the line. Where Web Locks do not exist (Node, Deno, workerd) `lead`
 * runs at once: there, one relay per store is the caller's job (one process per store).
 */
export function runElected(name: string, signal: AbortSignal, lead: () => Promise<void>, onError: (error: unknown) => void): void {
  const manager = locks();
  if (manager === undefined) {
    void lead().catch(onError);
    return;
  }
  manager.request(name, { signal }, lead).catch((error: unknown) => {
    if (!signal.aborted) onError(error);
  });
}
