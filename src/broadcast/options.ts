/**
 * Options and counters of the broadcast bus.
 * @module
 */
import type { BusOptions } from '../transport/options.js';
import type { MalformedFrameError, WireVersionError } from './errors.js';
import type { LockManagerLike } from '../core/locks.js';
import type { WireCounters } from './receive.js';

/**
 * Options of {@link createBroadcastBus}. The shared ones (`signal`, `telemetry`, `onError`, `requestTimeoutMs`)
 * are the kit's {@link BusOptions}: `telemetry` records a producer span per publish and request (the W3C trace
 * context travels in the message headers to every tab) and a consumer span, linked to it, per handled message.
 */
export interface BroadcastBusOptions extends BusOptions {
  /** Buses see each other only within one namespace (default `default`): two apps on one origin pick two names. */
  namespace?: string;
  /** Called for every frame dropped because it came from another wire version or was malformed. Default: `console.warn` once per kind. */
  onWireError?: (error: WireVersionError | MalformedFrameError) => void;
  /**
   * How long a subscription's `ready` (and the bus's) waits for the other tabs to record it (default 1000 ms):
   * a frozen tab must not hold `ready` forever. Not a request timeout (that is `requestTimeoutMs`).
   */
  readyTimeoutMs?: number;
  /** @deprecated Renamed {@link readyTimeoutMs} (an "ack" is a message's settle; this is not one). */
  ackTimeoutMs?: number;
  /** Queue groups: how long a new leader waits for the old leader's last notices before taking over (default 25 ms). */
  failoverSettleMs?: number;
  /** Queue groups: messages a standby tab keeps until the leader confirms them (default 1024 per group). */
  standbyBacklog?: number;
  /** Most items in one postMessage (default 1000, at most 65536: receivers drop bigger frames); a bigger burst is split. */
  maxBatch?: number;
  /** Check at publish that payloads can be cloned (default true): `not_serializable` then comes from `publish`. */
  checkPayloads?: boolean;
  /** Web Locks to use; `null` disables them (no queue groups, peers forgotten only on goodbye). Default `navigator.locks`. */
  locks?: LockManagerLike | null;
}

/** Counters of a broadcast bus. */
export interface BroadcastBusStats extends WireCounters {
  readonly published: number;
  readonly framesSent: number;
  readonly peers: number;
  readonly subscriptions: number;
  /** Queue-group messages a standby dropped from a full backlog (lost if the leader then dies). */
  readonly backlogDropped: number;
}
