/**
 * `createBus`: the one factory of the kit.
 * @module
 */
import type { PublishOptions, SubscribeOptions } from '../core/interfaces.js';
import type { AnyTopics, TopicMap } from '../core/topics.js';
import { TransportBus, type BusStats } from './bus.js';
import type { Driver, RequestDriver } from './driver.js';
import type { BusOptions } from './options.js';
import { RequestBus } from './request-bus.js';

/**
 * Builds a bus on `driver`. With `request` or `interest` on the driver the bus has `request` / `respond`.
 *
 * ```ts
 * const bus = createBus<Topics>({ name: 'mine', send, listen });
 * ```
 */
export function createBus<M extends TopicMap = AnyTopics, P extends PublishOptions = PublishOptions, S extends BusStats = BusStats, O extends SubscribeOptions = SubscribeOptions>(
  driver: RequestDriver<P, O>,
  options?: BusOptions,
): RequestBus<M, P, S, O>;
export function createBus<M extends TopicMap = AnyTopics, P extends PublishOptions = PublishOptions, S extends BusStats = BusStats, O extends SubscribeOptions = SubscribeOptions>(
  driver: Driver<P, O>,
  options?: BusOptions,
): TransportBus<M, P, S, O>;
export function createBus<M extends TopicMap, P extends PublishOptions, S extends BusStats, O extends SubscribeOptions>(driver: Driver<P, O>, options?: BusOptions): TransportBus<M, P, S, O> {
  return driver.request !== undefined || driver.interest !== undefined ? new RequestBus<M, P, S, O>(driver, options) : new TransportBus<M, P, S, O>(driver, options);
}
