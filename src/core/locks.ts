/**
 * Web Locks as a liveness signal: a lock is released by the browser when the tab or worker holding it
 * closes, crashes or is discarded, so "I got the lock" means "its previous holder is gone". Used for peer
 * presence and queue-group leadership.
 * @module
 */

/** The part of `navigator.locks` isoflux uses (lets tests and other runtimes pass their own). */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal; mode?: 'exclusive' | 'shared' }, callback: (lock: unknown) => unknown): Promise<unknown>;
}

/** `navigator.locks` when the runtime has Web Locks (browsers, their workers, Deno), else undefined. */
export function webLocks(): LockManagerLike | undefined {
  return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
}

/**
 * A lock held until `release()`. `granted` resolves once it is held, never when released while waiting, and
 * rejects when the runtime refuses locks (an opaque origin such as a sandboxed iframe).
 */
export interface HeldLock {
  readonly granted: Promise<void>;
  release(): void;
}

function isAbort(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'AbortError';
}

/**
 * Requests `name` and holds it until `release()`. Waiting in line is cancelled by `release()` too. Costs
 * nothing while waiting; the browser queues requests first come, first served.
 */
export function holdLock(locks: LockManagerLike, name: string, onGranted?: () => void): HeldLock {
  const waiting = new AbortController();
  let releaseHeld!: () => void;
  const held = new Promise<void>((resolve) => (releaseHeld = resolve));
  let grant!: () => void;
  let refuse!: (error: unknown) => void;
  const granted = new Promise<void>((resolve, reject) => ((grant = resolve), (refuse = reject)));
  locks
    .request(name, { signal: waiting.signal }, () => {
      grant();
      onGranted?.();
      return held;
    })
    .catch((error: unknown) => {
      if (!isAbort(error)) refuse(error);
    });
  return {
    granted,
    release() {
      waiting.abort();
      releaseHeld();
    },
  };
}

/**
 * Calls `onGone` once the lock `name` is free, i.e. once whoever held it has released it or died. Returns a
 * function that stops watching. The holder must already hold the lock when this is called.
 */
export function watchLock(locks: LockManagerLike, name: string, onGone: () => void): () => void {
  const controller = new AbortController();
  // A refusal (opaque origin) leaves the peer watched by nothing: it is then forgotten only on its goodbye.
  locks.request(name, { signal: controller.signal }, () => (controller.signal.aborted ? undefined : onGone())).catch(() => undefined);
  return () => controller.abort();
}
