/**
 * One network connection per origin without SharedWorker: `connectLeaderBus` elects one tab (Web Locks) to
 * host the bus, and every tab — the leader too — uses it through a session, over a BroadcastChannel.
 * When the leader closes or crashes, the next tab in line hosts a new bus; each tab re-creates its
 * subscriptions there and re-sends its unacknowledged publishes with their ids. The front door is the kit's
 * facade ({@link SessionBus}) and the session wire {@link SessionDriver}, as for a SharedWorker; the line to the
 * leader is {@link LeaderLine}.
 * @module
 */
import { AbortedError, ClosedError } from '../core/errors.js';
import { webLocks } from '../core/locks.js';
import type { AnyTopics, TopicMap } from '../core/topics.js';
import { checkTimeoutMs } from '../transport/options.js';
import { WorkerHandshakeError } from './errors.js';
import type { LeaderRole } from './leader-election.js';
import { LeaderLine } from './leader-line.js';
import { checkWorkerOptions, type LeaderBusOptions, type LeaderBusStats } from './options.js';
import { SessionBus } from './session-bus.js';
import { SessionDriver } from './session-driver.js';

/**
 * A bus shared by the tabs of an origin through a leader tab. `publish` resolves once the leader's bus
 * accepted the message (with JetStream there: once the server stored it); until then it survives a
 * handover, re-sent under the same id — at-least-once, effectively-once into a stream that de-duplicates.
 * Requests in flight during a handover fail with `LeaderGoneError` (`connection_failed`).
 */
export class LeaderBus<M extends TopicMap = AnyTopics> extends SessionBus<M, LeaderBusStats> {
  readonly #line: LeaderLine;

  /** @internal use {@link connectLeaderBus} */
  constructor(options: LeaderBusOptions) {
    const { callTimeoutMs } = checkWorkerOptions(options);
    checkTimeoutMs('answerTimeoutMs', options.answerTimeoutMs);
    // nothing is opened for a bus that would be closed from the start
    if (options.signal?.aborted) throw new AbortedError('connectLeaderBus', options.signal.reason);
    const locks = options.locks ?? webLocks();
    if (locks === undefined || locks === null) throw new WorkerHandshakeError('this runtime has no Web Locks (navigator.locks), which the leader election needs');
    const line = new LeaderLine(options, locks, callTimeoutMs);
    super(new SessionDriver(line, line.tally, callTimeoutMs), options);
    this.#line = line;
  }

  /** `leader` when this tab hosts the bus, `follower` when linked to another tab, `electing` in between. */
  get role(): LeaderRole {
    return this.#line.election.role;
  }

  /** The host id of the leader this tab is linked to now (its own when it leads). */
  get leaderId(): string | undefined {
    return this.#line.election.leader;
  }

  /** Calls `listener` with the role now and on every change; returns the function that stops it. */
  watchRole(listener: (role: LeaderRole) => void): () => void {
    return this.#line.watchRole(listener);
  }

  /** Resolves once this tab is linked to a leader (or rejects after `timeoutMs`, default `callTimeoutMs`). */
  whenLinked(timeoutMs?: number): Promise<void> {
    return this.#line.linked(timeoutMs ?? this.#line.callTimeoutMs);
  }

  protected override closedError(): ClosedError {
    return new ClosedError('LeaderBus');
  }
}

/**
 * Joins the tabs of this origin that share one bus through a leader tab (see {@link LeaderBus}); resolves
 * once this tab is linked to a leader — itself, when it is the first — or rejects after `callTimeoutMs`
 * (`connection_failed`). A wrong option throws `invalid_argument` naming it, an aborted `signal` `aborted`.
 */
export async function connectLeaderBus<M extends TopicMap = AnyTopics>(options: LeaderBusOptions): Promise<LeaderBus<M>> {
  const bus = new LeaderBus<M>(options);
  try {
    await bus.whenLinked();
  } catch (cause) {
    await bus.close();
    throw new WorkerHandshakeError('no leader tab answered in time', { cause });
  }
  return bus;
}
