/**
 * The sessions one host serves, whatever carries them: a worker's MessagePorts (`exposeBus`) or a leader
 * tab's BroadcastChannel (`connectLeaderBus`). It owns what every session shares: the hosted bus, the drop
 * tally, the hosted connection's state (sent to every session as it changes) and each tab's lifetime watch.
 * @module
 */
import { watchLock, type LockManagerLike } from '../core/locks.js';
import { toWireConnection, type HostedConnection } from './connection.js';
import type { WireConnection } from './protocol.js';
import { Session, type CallPort, type EventPort, type HostedBus, type Tally } from './session.js';

/** What a hub needs besides the bus. */
export interface HubOptions {
  /** How long a tab's responder may take to answer one request (ms). */
  readonly answerTimeoutMs: number;
  /** See `ExposeBusOptions.guardReplies`. */
  readonly guardReplies: boolean;
  /** The hosted connection to mirror into every session. */
  readonly connection?: HostedConnection | undefined;
  /** Web Locks; undefined: a closed tab's session is released only on its goodbye. */
  readonly locks?: LockManagerLike | undefined;
}

/** The sessions of one host. */
export class SessionHub {
  readonly id: string;
  readonly tally: Tally = { malformed: 0, forged: 0 };
  readonly #sessions = new Set<Session>();
  readonly #options: HubOptions;
  readonly #unwatchConnection: (() => void) | undefined;
  #connection: WireConnection | undefined;
  #seq = 0;

  constructor(id: string, options: HubOptions) {
    this.id = id;
    this.#options = options;
    this.#unwatchConnection = options.connection?.subscribe((snapshot) => {
      this.#connection = toWireConnection(snapshot, ++this.#seq);
      for (const session of this.#sessions) session.connectionChanged(this.#connection);
    });
  }

  get sessions(): number {
    return this.#sessions.size;
  }

  get subscriptions(): number {
    let n = 0;
    for (const s of this.#sessions) n += s.subscriptions;
    return n;
  }

  /**
   * Opens a session on `bus` for one tab; `lifetimeLock` is the lock that tab holds while it lives (its
   * release closes the session). `onClosed` runs once the session closed, whoever closed it.
   */
  open(bus: HostedBus, rpc: CallPort, events: EventPort, lifetimeLock: string | undefined, onClosed?: () => void): Session {
    let unwatch: (() => void) | undefined;
    const session = new Session(bus, this.id, rpc, events, this.#options.answerTimeoutMs, () => {
      this.#sessions.delete(session);
      unwatch?.();
      onClosed?.();
    }, this.tally, this.#options.guardReplies, () => this.#connection);
    this.#sessions.add(session);
    const locks = this.#options.locks;
    if (locks !== undefined && lifetimeLock !== undefined) unwatch = watchLock(locks, lifetimeLock, () => void session.close());
    return session;
  }

  /** Closes every session (releasing their subscriptions) and stops mirroring the connection. */
  async close(): Promise<void> {
    this.#unwatchConnection?.();
    await Promise.all([...this.#sessions].map((s) => s.close()));
  }
}
