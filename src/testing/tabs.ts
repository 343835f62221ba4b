/**
 * Several tabs of one broadcast namespace, in one process: what `isoflux/broadcast` does across tabs
 * (every tab gets every message, its own included; a queue group hands each message to one tab and fails
 * over when that tab closes), without a browser.
 * @module
 */
import type { AnyTopics, TopicMap } from '../core/topics.js';
import type { BusOptions } from '../transport/options.js';
import { FakeNetwork, type FakeEndpoint } from './network.js';

/** A tab of a {@link FakeNamespace}: a bus with the broadcast bus's surface; `close()` is the tab closing. */
export type FakeTab<M extends TopicMap = AnyTopics> = FakeEndpoint<M>;

/** One broadcast namespace shared by fake tabs. Payloads are structured-cloned, as `postMessage` does. */
export class FakeNamespace<M extends TopicMap = AnyTopics> extends FakeNetwork<M> {
  constructor(readonly namespace: string) {
    super('broadcast');
  }

  /** Opens a tab (a bus of this namespace); `options` as for {@link FakeNetwork.endpoint}. */
  tab(name?: string, options?: BusOptions): FakeTab<M> {
    return this.endpoint(name, options);
  }
}

/**
 * A broadcast namespace for fake tabs.
 *
 * ```ts
 * const ns = createFakeNamespace();
 * const [a, b] = [ns.tab('a'), ns.tab('b')];
 * b.subscribe('jobs.*', handle, { queue: 'workers' });
 * await a.publish('jobs.1', { n: 1 });
 * ```
 */
export function createFakeNamespace<M extends TopicMap = AnyTopics>(namespace = 'default'): FakeNamespace<M> {
  return new FakeNamespace<M>(namespace);
}
