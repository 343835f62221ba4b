/**
 * The outbox relay in a Service Worker: delivery with every tab of the origin closed.
 * @module
 */
import type { Publisher } from '../core/interfaces.js';
import { monotonicNow } from './clock.js';
import { relayLockName } from './election.js';
import { idbStore } from './idb-store.js';
import { Relay } from './relay.js';
import { positive, type RelayCounters, type RelayOptions } from './relay-options.js';
import type { OutboxStore } from './store.js';

/** The Background Sync tag the outbox uses unless told otherwise. */
export const OUTBOX_SYNC_TAG = 'isoflux-outbox';

/** Options of {@link serviceWorkerRelay}. */
export interface ServiceWorkerRelayOptions {
  /**
   * Opens the target for one wake-up (e.g. `connectNats(url)` + `createJetStreamPublisher`) and says how to
   * close it: a Service Worker is stopped when idle, so it connects per event rather than holding a socket.
   */
  connect: () => Promise<{ publisher: Publisher; close(): Promise<void> }>;
  /** The tabs' store (default `idbStore()`; pass the same `database` as the tabs' outbox). */
  store?: OutboxStore;
  /** The election's Web Lock (default the tabs' default, `isoflux-outbox:<store name>`). */
  lockName?: string;
  /** The Background Sync tag to answer (default `isoflux-outbox`). */
  tag?: string;
  /** Relay tuning, as for the tabs' outbox. */
  relay?: RelayOptions;
  /**
   * A wake-up that has not drained the store after this long stops and fails (default 60 000 ms), so the
   * browser retries the sync later with its own backoff instead of keeping the worker up.
   */
  budgetMs?: number;
  /** Called after each wake-up with its outcome. */
  onRun?: (outcome: RelayRunOutcome) => void;
}

/** How one wake-up ended: `drained`; `busy` (another context holds the relay); `failed` (with the error). */
export interface RelayRunOutcome {
  readonly result: 'drained' | 'busy' | 'failed';
  readonly trigger: 'sync' | 'activate' | 'online' | 'start';
  readonly counters?: RelayCounters;
  readonly error?: unknown;
}

interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
  readonly tag?: string;
}

interface ServiceWorkerScopeLike {
  addEventListener?(type: string, listener: (event: Event) => void): void;
  readonly registration?: { readonly sync?: unknown };
}

interface LocksLike {
  request<T>(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

/**
 * Runs the outbox relay in a Service Worker (call it at the top of the worker script): on Background Sync's
 * `sync` event for `tag` (Chromium; a tab asks for one with {@link registerBackgroundSync}), and where there
 * is no Background Sync when the worker starts, on `activate`, and when it comes `online`. Each wake-up
 * takes the relay's Web Lock only if it is free — a tab that relays keeps relaying and the worker reports
 * `busy` — so there is one relay at a time across tabs and the worker; it delivers until the store is empty
 * (`drained`: the sync event resolves) or until `budgetMs` passed (`failed`); a failed or busy sync event
 * rejects, so the browser fires it again later. Same guarantees as the tabs' relay: removal only after the target acknowledged, the
 * same ids on every attempt, order per key. Returns a function that runs a wake-up now (for tests and for
 * `message` events).
 */
export function serviceWorkerRelay(options: ServiceWorkerRelayOptions): (trigger?: RelayRunOutcome['trigger']) => Promise<RelayRunOutcome> {
  const scope = globalThis as unknown as ServiceWorkerScopeLike;
  const store = options.store ?? idbStore();
  const lockName = options.lockName ?? relayLockName(store.name);
  const tag = options.tag ?? OUTBOX_SYNC_TAG;
  const budgetMs = positive('budgetMs', options.budgetMs ?? 60_000);
  let running: Promise<RelayRunOutcome> | undefined;

  const run = (trigger: RelayRunOutcome['trigger'] = 'start'): Promise<RelayRunOutcome> => {
    // a wake-up while one runs joins it
    running ??= runOnce(options, store, lockName, budgetMs, trigger)
      .then((outcome) => {
        options.onRun?.(outcome);
        return outcome;
      })
      .finally(() => (running = undefined));
    return running;
  };

  // outside a worker scope with events (Node): only the returned function runs the relay
  if (typeof scope.addEventListener !== 'function') return run;
  scope.addEventListener('sync', (event) => {
    const sync = event as ExtendableEventLike;
    if (sync.tag !== tag) return;
    // rejecting tells the browser to retry the sync later: after a failure, and while another context holds
    // the relay (it may close before it is done)
    sync.waitUntil(run('sync').then((o) => (o.result === 'drained' ? o : Promise.reject(o.error ?? new Error('another context holds the outbox relay')))));
  });
  const hasSync = scope.registration?.sync !== undefined;
  if (!hasSync) {
    scope.addEventListener('activate', (event) => (event as ExtendableEventLike).waitUntil(run('activate')));
    scope.addEventListener('online', () => void run('online'));
    void run('start');
  }
  return run;
}

async function runOnce(
  options: ServiceWorkerRelayOptions,
  store: OutboxStore,
  lockName: string,
  budgetMs: number,
  trigger: RelayRunOutcome['trigger'],
): Promise<RelayRunOutcome> {
  const locks = (globalThis as { navigator?: { locks?: LocksLike } }).navigator?.locks;
  const body = async (lock: unknown): Promise<RelayRunOutcome> => {
    if (lock === null) return { result: 'busy', trigger };
    if ((await store.stats()).depth === 0) return { result: 'drained', trigger };
    let connection: { publisher: Publisher; close(): Promise<void> } | undefined;
    let relay: Relay | undefined;
    try {
      connection = await options.connect();
      let changed: () => void = () => undefined;
      relay = new Relay(store, connection.publisher, options.relay ?? {}, () => changed(), undefined);
      relay.start();
      const deadline = monotonicNow() + budgetMs;
      while ((await store.stats()).depth > 0) {
        const left = deadline - monotonicNow();
        if (left <= 0)
          return {
            result: 'failed',
            trigger,
            counters: relay.counters,
            error: relay.counters.lastError ?? new Error(`the outbox was not drained within ${budgetMs} ms`),
          };
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 250));
          changed = () => (clearTimeout(timer), resolve());
        });
      }
      return { result: 'drained', trigger, counters: relay.counters };
    } catch (error) {
      return { result: 'failed', trigger, counters: relay?.counters, error };
    } finally {
      await relay?.stop();
      await connection?.close().catch(() => undefined);
    }
  };
  // without Web Locks (no browser) there is nobody to share the relay with
  return locks === undefined ? body(true) : locks.request(lockName, { ifAvailable: true }, body);
}

interface SyncRegistrationLike {
  readonly active: unknown;
  readonly sync?: { register(tag: string): Promise<void> };
}

interface ServiceWorkerContainerLike {
  readonly ready: Promise<SyncRegistrationLike>;
  getRegistration(): Promise<SyncRegistrationLike | undefined>;
}

/**
 * From a tab: asks the browser for a Background Sync (`tag`, default `isoflux-outbox`) so the Service
 * Worker relays once the network is back, even if every tab is closed by then. Call it after publishing
 * while offline or while the relay fails (or pass `backgroundSync: true` to the outbox). Resolves false
 * where this page has no Service Worker (it never waits for one to appear) or there is no Background Sync
 * (Firefox, Safari: the worker relays on start and `online` instead).
 */
export async function registerBackgroundSync(tag: string = OUTBOX_SYNC_TAG): Promise<boolean> {
  const container = (globalThis as { navigator?: { serviceWorker?: ServiceWorkerContainerLike } }).navigator?.serviceWorker;
  if (container === undefined) return false;
  try {
    const found = await container.getRegistration();
    if (found === undefined) return false;
    // a worker still installing becomes active soon: sync.register needs an active one
    const registration = found.active ? found : await container.ready;
    if (registration.sync === undefined) return false;
    await registration.sync.register(tag);
    return true;
  } catch {
    return false;
  }
}
