/**
 * The durable outbox: a Publisher whose `publish` resolves once the message is stored, plus the relay that
 * delivers stored messages to a target Publisher.
 * @module
 */
import { AbortedError, ClosedError, InvalidArgumentError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { Publisher } from '../core/interfaces.js';
import { assertSubject } from '../core/subject.js';
import { publishWithTelemetry, type Telemetry } from '../core/telemetry.js';
import type { AnyTopics, PayloadOf, PublishSubject, TopicMap } from '../core/topics.js';
import { TAP, Taps, type Tappable } from '../core/wiretap.js';
import { AppendBatcher } from './batcher.js';
import { watchConnectivity } from './connectivity.js';
import { relayLockName, runElected } from './election.js';
import { ageOf, monotonicNow } from './clock.js';
import { idbStore } from './idb-store.js';
import { requestPersistentStorage } from './persist.js';
import { Relay } from './relay.js';
import { OUTBOX_SYNC_TAG, registerBackgroundSync } from './service-worker.js';
import { positive, relayError, type RelayError } from './relay-options.js';
import { OutboxStatusEvent, initialStatus, statusChanged, type OutboxStatus, type RelayState } from './status.js';
import type { OutboxRecord, OutboxStore } from './store.js';
import { tapStored } from './taps.js';
import type { DeadLetters, OrderBy, OutboxOptions, OutboxPublishOptions } from './options.js';

export type { DeadLetters, OrderBy, OutboxOptions, OutboxPublishOptions } from './options.js';

const MIN_STATUS_MS = 100;

/**
 * Publishing that survives reloads, crashes and offline time. **Guarantee**: when `publish` resolves, the
 * message is committed to the store; the relay then delivers it at least once to the target, removing it
 * only after the target's `publish` resolved, and every attempt carries the id fixed at enqueue — so a
 * JetStream target (which de-duplicates on `Nats-Msg-Id`) keeps exactly one copy **provided every resend
 * falls within the stream's `duplicate_window`** (2 min by default; size it with `ensureStream(nc, { …,
 * duplicate_window })` to the longest outage you want covered, and pass it as `duplicateWindowMs`:
 * `status.olderThanDuplicateWindow` counts the entries past it). Entries with the same key (subject by
 * default) are delivered in enqueue order; different keys do not wait for each other. Permanent failures
 * are dead-lettered at once, others retried up to `maxAttempts` (default 50). A full quota never wedges it:
 * removals need no new space. Deadlines and ages run on a monotonic clock.
 * **Wiretap**: `tap(outbox, listener)` sees `published` (stored), `failed` (not stored; or a delivery attempt
 * refused, with `attempt` and the error's code as `reason`), `delivered` (acknowledged by the target) and
 * `dead-lettered` (with its reason), all with `system: 'outbox'`; relay events only in the context that
 * relays. Untapped, each publish and delivery pays one boolean check.
 * **Costs**: one store transaction per tick of publishes (fewer under load: group commit); the relay adds one read per window and one
 * removal write per round of acknowledgements.
 */
export class Outbox<M extends TopicMap = AnyTopics> extends EventTarget implements Publisher<M, OutboxPublishOptions>, Tappable, AsyncDisposable {
  /** The wiretap (see `tap` in `isoflux`). */
  readonly [TAP] = new Taps();
  /** The store entries are kept in. */
  readonly store: OutboxStore;
  /** The dead-letter store: list, retry, discard. */
  readonly deadLetters: DeadLetters;
  readonly #ownsStore: boolean;
  readonly #batcher: AppendBatcher;
  readonly #keyOf: (subject: string, payload: unknown, id: string) => string;
  readonly #relay: Relay | undefined;
  readonly #lifetime = new AbortController();
  readonly #statusMs: number;
  readonly #windowMs: number;
  readonly #telemetry: Telemetry | undefined;
  readonly #unobserve: (() => void) | undefined;
  #status: OutboxStatus;
  #state: RelayState;
  #paused = false;
  #offline = false;
  #statusTimer: ReturnType<typeof setTimeout> | undefined;
  #lastRefresh = 0;
  #refreshing: Promise<OutboxStatus> | undefined;
  #unwatch: () => void;
  #closing: Promise<void> | undefined;
  #ownError: RelayError | undefined;
  readonly #syncTag: string | undefined;
  #syncAskedAt = -Infinity;

  constructor(options: OutboxOptions = {}) {
    super();
    this.#ownsStore = options.store === undefined;
    this.store = options.store ?? idbStore();
    this.#keyOf = keyFunction(options.orderBy ?? 'subject');
    this.#statusMs = options.statusIntervalMs ?? 1000;
    if (!(this.#statusMs >= MIN_STATUS_MS))
      throw new InvalidArgumentError(`statusIntervalMs must be at least ${MIN_STATUS_MS}, got ${String(options.statusIntervalMs)}`);
    this.#windowMs = positive('duplicateWindowMs', options.duplicateWindowMs ?? 120_000);
    this.#telemetry = options.telemetry;
    this.#syncTag = options.backgroundSync === true ? OUTBOX_SYNC_TAG : options.backgroundSync || undefined;
    this.#batcher = new AppendBatcher(this.store, () => this.#scheduleStatus());
    const store = this.store;
    this.deadLetters = {
      list: (limit) => store.listDeadLetters(limit),
      retry: async (seqs) => this.#changed(await store.retryDeadLetters(seqs)),
      discard: async (seqs) => this.#changed(await store.discardDeadLetters(seqs)),
    };
    if (options.onStatus !== undefined) this.onStatus(options.onStatus);
    this.#state = options.target === undefined ? 'none' : 'standby';
    this.#status = initialStatus(this.#state);
    // the relay checks its options: build it before anything is watched, so a refused option leaves nothing open
    if (options.target !== undefined) this.#relay = new Relay(store, options.target, options.relay ?? {}, () => this.#scheduleStatus(), options.telemetry, this[TAP]);
    this.#unwatch = store.watch(() => this.#scheduleStatus());
    if (options.target !== undefined) {
      runElected(
        options.lockName ?? relayLockName(store.name),
        this.#lifetime.signal,
        () => this.#lead(),
        (error) => this.#report(error),
      );
    }
    // the gauge reads the cached status: metric collection must not wait on the store
    this.#unobserve = options.telemetry?.observe('outbox.depth', () => this.#status.depth, { 'messaging.system': 'outbox', 'isoflux.outbox.name': store.name });
    options.signal?.addEventListener('abort', () => void this.close(), { once: true });
    void this.refreshStatus();
  }

  /**
   * Stores the message; resolves when the store committed it (IndexedDB: the transaction completed), so it
   * survives a reload or crash from then on. Publishes of one tick share one transaction, and so do those
   * made while the previous transaction was running (group commit). The id is
   * `options.id` or a new one, fixed now and sent with every delivery attempt. Rejects with
   * `invalid_subject`, `not_serializable` (the store cannot clone the payload), `storage_quota` (nothing of
   * this batch stored; earlier entries intact), `aborted` or `closed`. The payload is copied when the batch
   * is written (at the end of this tick): do not change it in the same tick.
   */
  publish<S extends PublishSubject<M>>(subject: S, payload: PayloadOf<M, S>, options?: OutboxPublishOptions): Promise<void> {
    try {
      if (this.#closing !== undefined) throw new ClosedError('Outbox');
      assertSubject(subject, { wildcards: false });
      if (options?.signal?.aborted) throw new AbortedError('Outbox publish', options.signal.reason);
    } catch (error) {
      return Promise.reject(error);
    }
    const id = options?.id ?? nextId();
    const key = options?.key ?? this.#keyOf(subject, payload, id);
    // the headers stored are the ones sent on delivery: with telemetry they carry the enqueue's trace context
    const stored = publishWithTelemetry(this.#telemetry, { system: 'outbox', subject, id }, options?.headers, (headers) => {
      const record: OutboxRecord = { id, subject, key, payload, headers: headers ?? {}, enqueuedAt: monotonicNow() };
      const added = this.#batcher.add(record);
      if (this[TAP].active) tapStored(this[TAP], record, added);
      return added;
    });
    if (this.#syncTag !== undefined)
      stored.then(
        () => this.#askForSync(this.#syncTag as string),
        () => undefined,
      );
    return stored;
  }

  /** The latest status (refreshed at least every `statusIntervalMs`; {@link refreshStatus} reads it now). */
  get status(): OutboxStatus {
    return this.#status;
  }

  /** Calls `listener` with every status change; returns a function that stops the calls. */
  onStatus(listener: (status: OutboxStatus) => void): () => void {
    const handler = (event: Event): void => listener((event as OutboxStatusEvent).status);
    this.addEventListener('status', handler);
    return () => this.removeEventListener('status', handler);
  }

  /** Reads the store's figures now and returns (and announces, when changed) the status. */
  refreshStatus(): Promise<OutboxStatus> {
    this.#refreshing ??= this.#readStatus().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /**
   * Asks the browser for persistent storage ({@link requestPersistentStorage}) and refreshes
   * `status.storagePersisted`. Resolves with whether it is granted. Call it after a user action that shows
   * the app matters (Firefox prompts; Chromium decides from engagement; Safari grants installed web apps).
   */
  async requestPersistence(): Promise<boolean> {
    const granted = await requestPersistentStorage();
    await this.refreshStatus();
    return granted;
  }

  /** Stops new deliveries from this context until {@link resume}. Publishing still stores. */
  pause(): void {
    this.#paused = true;
    this.#relay?.pause();
    this.#setState();
  }

  /**
   * Delivers again now, skipping backoff waits: call it when the target's connection came back (e.g. on the
   * NATS client's `reconnect` status). Also ends a `pause()` and an offline pause.
   */
  resume(): void {
    this.#paused = false;
    this.#offline = false;
    this.#relay?.resume();
    this.#setState();
  }

  /** Resolves when the store holds no waiting entry (every tab's relay counted); rejects with `aborted`/`closed`. */
  async drained(options: { signal?: AbortSignal } = {}): Promise<void> {
    for (;;) {
      if (options.signal?.aborted) throw new AbortedError('Waiting for the outbox to drain', options.signal.reason);
      if (this.#closing !== undefined) throw new ClosedError('Outbox');
      await this.#batcher.settled();
      if ((await this.store.stats()).depth === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /**
   * Stops publishing (later calls reject with `closed`), waits for pending writes, lets in-flight deliveries
   * finish, and hands the relay to the next tab in line. Entries not yet delivered stay in the store.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#batcher.settled();
      this.#lifetime.abort();
      clearTimeout(this.#statusTimer);
      this.#unwatch();
      this.#unobserve?.();
      await this.#relay?.stop();
      this.#state = 'closed';
      this.#status = { ...this.#status, relay: 'closed' };
      if (this.#ownsStore) this.store.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Holds the relay while this context is elected; resolves (releasing the lock) after the relay stopped. */
  async #lead(): Promise<void> {
    const relay = this.#relay as Relay;
    if (this.#lifetime.signal.aborted) return;
    const connectivity = watchConnectivity((online) => {
      this.#offline = !online;
      if (online && !this.#paused) relay.resume();
      else relay.pause();
      this.#setState();
    });
    this.#offline = !connectivity.online;
    this.#state = 'relaying';
    relay.start();
    if (this.#offline || this.#paused) relay.pause();
    this.#setState();
    await new Promise((resolve) => this.#lifetime.signal.addEventListener('abort', resolve, { once: true }));
    connectivity.stop();
    await relay.stop();
  }

  #setState(): void {
    if (this.#state === 'none' || this.#state === 'standby' || this.#state === 'closed') return;
    this.#state = this.#paused ? 'paused' : this.#offline ? 'offline' : 'relaying';
    this.#scheduleStatus();
  }

  /** {@link OutboxOptions.backgroundSync}: at most one registration per 5 s (the browser coalesces a tag anyway). */
  #askForSync(tag: string): void {
    const now = monotonicNow();
    if (now - this.#syncAskedAt < 5000) return;
    this.#syncAskedAt = now;
    void registerBackgroundSync(tag);
  }

  #changed(count: number): number {
    this.#scheduleStatus();
    return count;
  }

  /** Election and status failures: not delivery errors, but the user must see them, so they land in `lastError`. */
  #report(error: unknown): void {
    this.#ownError = relayError(error, '');
    this.#scheduleStatus();
  }

  #scheduleStatus(): void {
    this.#refreshIn(Math.max(0, this.#lastRefresh + MIN_STATUS_MS - monotonicNow()));
  }

  /** A status refresh in `ms`, unless one is already due or the outbox is closing. */
  #refreshIn(ms: number): void {
    if (this.#statusTimer !== undefined || this.#closing !== undefined) return;
    this.#statusTimer = setTimeout(() => {
      this.#statusTimer = undefined;
      void this.refreshStatus();
    }, ms);
  }

  async #readStatus(): Promise<OutboxStatus> {
    const now = monotonicNow();
    this.#lastRefresh = now;
    try {
      const [stats, persisted] = await Promise.all([this.store.stats({ enqueuedBefore: now - this.#windowMs }), this.store.persisted?.()]);
      const counters = this.#relay?.counters;
      const next: OutboxStatus = {
        depth: stats.depth,
        oldestAgeMs: stats.oldestEnqueuedAt === undefined ? undefined : ageOf(stats.oldestEnqueuedAt, now),
        deadLetters: stats.deadLetters,
        inFlight: counters?.inFlight ?? 0,
        delivered: counters?.delivered ?? 0,
        retried: counters?.retried ?? 0,
        deadLettered: counters?.deadLettered ?? 0,
        lastError: latest(counters?.lastError, this.#ownError),
        lastStorageError: counters?.lastStorageError,
        olderThanDuplicateWindow: stats.olderCount ?? 0,
        storagePersisted: persisted,
        relay: this.#state,
      };
      const changed = statusChanged(this.#status, next);
      this.#status = next;
      if (changed) this.dispatchEvent(new OutboxStatusEvent(next));
    } catch (error) {
      this.#report(error);
    }
    this.#refreshIn(this.#statusMs);
    return this.#status;
  }
}

function latest(a: RelayError | undefined, b: RelayError | undefined): RelayError | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return a.at >= b.at ? a : b;
}

function keyFunction(orderBy: OrderBy): (subject: string, payload: unknown, id: string) => string {
  if (orderBy === 'subject') return (subject) => subject;
  if (orderBy === 'none') return (_subject, _payload, id) => id;
  if (typeof orderBy === 'function') return (subject, payload) => orderBy(subject, payload);
  throw new InvalidArgumentError(`orderBy must be 'subject', 'none' or a function, got ${String(orderBy)}`);
}

/** A durable outbox; see {@link Outbox}. */
export function createOutbox<M extends TopicMap = AnyTopics>(options: OutboxOptions = {}): Outbox<M> {
  return new Outbox<M>(options);
}
