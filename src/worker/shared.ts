/**
 * One call for one network connection per origin: a SharedWorker where the browser has one, a leader tab
 * elected through Web Locks where it does not (Android Chrome, some embedded web views).
 * @module
 */
import type { AnyTopics, TopicMap } from '../core/topics.js';
import { connectWorkerBus, type WorkerBus } from './client.js';
import { connectLeaderBus, type LeaderBus } from './leader-bus.js';
import type { LeaderBusOptions } from './options.js';

/** Options of {@link connectShared}. */
export interface ConnectSharedOptions extends LeaderBusOptions {
  /**
   * Starts (or joins) the SharedWorker hosting the bus; its script calls `exposeBus` with the same bus that
   * `host` makes. Used only where `SharedWorker` exists.
   */
  sharedWorker: () => SharedWorker;
  /** `auto` (default): SharedWorker where it exists, else a leader tab; `leader-tab` forces the election. */
  via?: 'auto' | 'leader-tab';
}

/** The bus {@link connectShared} picked: `instanceof WorkerBus` or `instanceof LeaderBus` tells which. */
export type SharedBus<M extends TopicMap = AnyTopics> = WorkerBus<M> | LeaderBus<M>;

/**
 * Connects this tab to the bus shared by every tab of the origin: through `sharedWorker()` where the
 * browser has SharedWorker, else through a leader tab running `host()` (see `connectLeaderBus`). Both give
 * the same API and the same `connection` state; only the leader tab path survives its host's death by
 * handing over (a SharedWorker lives as long as any tab).
 */
export function connectShared<M extends TopicMap = AnyTopics>(options: ConnectSharedOptions): Promise<SharedBus<M>> {
  const { sharedWorker, via = 'auto', ...rest } = options;
  if (via === 'auto' && typeof (globalThis as { SharedWorker?: unknown }).SharedWorker === 'function') return connectWorkerBus<M>(sharedWorker(), rest);
  return connectLeaderBus<M>(rest);
}
