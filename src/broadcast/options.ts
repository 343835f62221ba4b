/**
 * Options and counters of the broadcast bus.
 * @module
 */
import type { SubscribeOptions } from '../core/interfaces.js';
import type { MalformedFrameError, WireVersionError } from './errors.js';
import type { LockManagerLike } from '../core/locks.js';
import type { Telemetry } from '../core/telemetry.js';
import type { WireCounters } from './receive.js';

/** Options of {@link createBroadcastBus}. */
export interface BroadcastBusOptions {
  /** Buses see each other only within one namespace (default `default`): two apps on one origin pick two names. */
  namespace?: string;
  /** Called for every frame dropped because it came from another wire version or was malformed. Default: `console.warn` once per kind. */
  onWireError?: (error: WireVersionError | MalformedFrameError) => void;
  /** Default `onError` for subscriptions that give none. */
  onError?: SubscribeOptions['onError'];
  /** Default request timeout (5000 ms). */
  requestTimeoutMs?: number;
  /** How long a subscription's `ready` waits for the other tabs to acknowledge it (default 1000 ms). */
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
  /** Closes the bus when aborted. */
  signal?: AbortSignal;
  /**
   * Records a producer span per publish and request (`publish <subject>`; the W3C trace context travels in
   * the message headers to every tab) and a consumer span, linked to it, per handled message; see `isoflux/otel`.
   */
  telemetry?: Telemetry;
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
