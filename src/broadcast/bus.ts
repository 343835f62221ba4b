/**
 * The cross-tab bus: the same contract as every transport, carried by BroadcastChannel between the tabs,
 * iframes and workers of one origin. The front door (overloads, checks, `signal`, requests, respond, close,
 * wiretap) is the kit's facade; the wire is {@link BroadcastDriver}.
 * @module
 */
import { ClosedError, InvalidArgumentError } from '../core/errors.js';
import type { PublishOptions } from '../core/interfaces.js';
import type { AnyTopics, TopicMap } from '../core/topics.js';
import { renamedWaitMs } from '../core/renamed-option.js';
import { checkBusOptions, checkValueOptions, type SchemaSubscribeOptions } from '../transport/options.js';
import { RequestBus } from '../transport/request-bus.js';
import { BroadcastDriver } from './driver.js';
import { BroadcastUnsupportedError } from './errors.js';
import type { BroadcastBusOptions, BroadcastBusStats } from './options.js';
import { MAX_FRAME_ITEMS, WIRE_VERSION } from './wire.js';

/** Checks the options, then opens the wire (nothing is opened when an option is wrong). */
function openWire(options: BroadcastBusOptions): BroadcastDriver {
  if (typeof BroadcastChannel !== 'function') {
    throw new BroadcastUnsupportedError('BroadcastChannel', 'The broadcast bus', 'Browsers, their workers and Deno have it; Cloudflare Workers do not: use the nats or http transport there.');
  }
  checkBusOptions(options);
  checkValueOptions('broadcast', options);
  const { namespace = 'default', maxBatch = 1000 } = options;
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 200) throw new InvalidArgumentError(`namespace must be a non-empty string of at most 200 characters, got ${JSON.stringify(namespace)}`, 'namespace');
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_FRAME_ITEMS) throw new InvalidArgumentError(`maxBatch must be an integer from 1 to ${MAX_FRAME_ITEMS}, got ${String(maxBatch)}`, 'maxBatch');
  const readyTimeoutMs = renamedWaitMs('readyTimeoutMs', options.readyTimeoutMs, 'ackTimeoutMs', options.ackTimeoutMs) ?? 1000;
  return new BroadcastDriver({ namespace, maxBatch, readyTimeoutMs, options });
}

/**
 * Delivery: **at-most-once**, in publish order per publisher, to every matching subscriber in every tab of
 * the namespace (this one included, exactly once). `publish` resolves once local subscribers accepted the
 * message; other tabs get it at the end of the current tick, batched with everything else published in that
 * tick (one `postMessage`). Payloads are structured-cloned: no functions; the receiving tabs get copies,
 * subscribers in this tab share the published object, so treat payloads as read-only after publishing.
 *
 * Queue groups need Web Locks (browsers, Deno): each message goes to one member in one tab, and another tab
 * takes over when the handling tab closes (see `CrossTabGroup`). `no_responders` is decided from the
 * interest every tab announces; a subscription's `ready` resolves once the tabs known to this one recorded it.
 */
export class BroadcastBus<M extends TopicMap = AnyTopics> extends RequestBus<M, PublishOptions, BroadcastBusStats, SchemaSubscribeOptions> {
  /** Wire version this build speaks. */
  static readonly wireVersion = WIRE_VERSION;
  /** This bus's id on the wire (a tab opening several buses has several ids). */
  readonly id: string;
  readonly namespace: string;
  /** Resolves once this bus announced itself and the peers it knew acknowledged (or `readyTimeoutMs` passed). */
  readonly ready: Promise<void>;
  readonly #wire: BroadcastDriver;

  constructor(options: BroadcastBusOptions = {}) {
    const wire = openWire(options);
    super(wire, options);
    this.#wire = wire;
    this.id = wire.id;
    this.namespace = options.namespace ?? 'default';
    this.ready = wire.ready;
  }

  /** Ids of the other buses on this namespace known now. */
  get peers(): string[] {
    return this.#wire.peers.ids;
  }

  /**
   * True while this tab leads the queue group `queue` on `pattern`, i.e. hands out its messages (false in a
   * standby tab, and during the short settling after a takeover). For showing ownership; routing needs no call.
   */
  isLeader(pattern: string, queue: string): boolean {
    return this.#wire.routes.group(`${queue} ${pattern}`)?.isLeader ?? false;
  }

  /** Resolves once at least `count` other buses on this namespace are known (e.g. "wait for the other tab"). */
  waitForPeers(count: number, signal?: AbortSignal): Promise<void> {
    return this.isClosed ? Promise.reject(new ClosedError('broadcast bus')) : this.#wire.peers.waitFor(count, signal);
  }
}

/**
 * Creates a bus shared by every tab, iframe and worker of this origin that uses the same namespace. Throws
 * `unsupported` where BroadcastChannel is missing (Cloudflare Workers). Costs one BroadcastChannel and, with
 * Web Locks, one held lock plus one waiting lock request per known peer; close it when done.
 */
export function createBroadcastBus<M extends TopicMap = AnyTopics>(options?: BroadcastBusOptions): BroadcastBus<M> {
  return new BroadcastBus<M>(options);
}
