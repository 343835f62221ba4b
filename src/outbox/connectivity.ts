/**
 * The browser's idea of being online: `navigator.onLine` and the `online`/`offline` events.
 * @module
 */

interface OnlineTarget {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/**
 * Calls `onChange(online)` when the runtime reports going offline or online, and tells the state now. Where
 * the runtime has no such signal (Node, Deno, workerd) it reports online and never calls back. Returns the
 * current state and a function that stops watching.
 */
export function watchConnectivity(onChange: (online: boolean) => void): { online: boolean; stop: () => void } {
  const nav = (globalThis as { navigator?: { onLine?: unknown } }).navigator;
  const target = globalThis as unknown as Partial<OnlineTarget>;
  if (typeof nav?.onLine !== 'boolean' || typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') {
    return { online: true, stop: () => undefined };
  }
  const events = target as OnlineTarget;
  const online = (): void => onChange(true);
  const offline = (): void => onChange(false);
  events.addEventListener('online', online);
  events.addEventListener('offline', offline);
  return {
    online: nav.onLine,
    stop: () => {
      events.removeEventListener('online', online);
      events.removeEventListener('offline', offline);
    },
  };
}
