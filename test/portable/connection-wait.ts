/** Waiting on a connection state source (`watchConnection`, `WorkerBus.connection`) in tests. */

/** What `until` needs: a current snapshot and a subscribe that calls back at once and on each change. */
export interface StateSource<S> {
  readonly current: S;
  subscribe(listener: (snapshot: S) => void): () => void;
}

/** Resolves with the first snapshot (current or later) that `matches`; rejects after `timeoutMs`. */
export function until<S>(source: StateSource<S>, matches: (s: S) => boolean, timeoutMs = 5000): Promise<S> {
  return new Promise<S>((resolve, reject) => {
    let stop: (() => void) | undefined;
    const timer = setTimeout(() => {
      stop?.();
      reject(new Error(`connection state not reached within ${timeoutMs} ms; now ${JSON.stringify(source.current)}`));
    }, timeoutMs);
    let done = false;
    stop = source.subscribe((s) => {
      if (done || !matches(s)) return;
      done = true;
      clearTimeout(timer);
      queueMicrotask(() => stop?.());
      resolve(s);
    });
    if (done) stop();
  });
}

