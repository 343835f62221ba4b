/**
 * Errors specific to the worker transport. They extend the core's `IsofluxError` with the core's stable
 * codes, so callers match them on `code` like every other isoflux error.
 * @module
 */
import { ClosedError, IsofluxError, type IsofluxErrorOptions } from '../core/errors.js';

/**
 * The worker hosting the bus stopped (terminated, crashed, or, for a SharedWorker, closed with its last
 * tab). Every pending call failed with it and every subscription ended; connect again to a new worker.
 */
export class WorkerGoneError extends ClosedError {
  constructor() {
    super('WorkerBus');
    this.message = 'The worker hosting this bus stopped (terminated, crashed, or closed with its last tab): pending calls failed and subscriptions ended. Start the worker again and call connectWorkerBus.';
  }
}

/** The worker did not answer the handshake: it does not call `exposeBus`, or runs another isoflux build. */
export class WorkerHandshakeError extends IsofluxError {
  constructor(reason: string, options?: IsofluxErrorOptions) {
    super('connection_failed', `Could not connect to the bus in the worker: ${reason}. Call exposeBus(bus) at the top of the worker script, and serve tab and worker from the same build.`, options);
  }
}

/**
 * The other side of a worker port sent something the protocol does not allow (a malformed call, event or
 * answer). It was dropped and counted; the call it belonged to fails with this error. Usually a script that
 * is not isoflux holds the port, or tab and worker run different builds.
 */
export class WorkerProtocolError extends IsofluxError {
  constructor(readonly sender: 'the tab' | 'the worker' | 'the leader tab' | 'a follower tab', readonly detail: string) {
    super('decode_failed', `Dropped a malformed message from ${sender} (${detail}); serve tab and worker from the same build, and hand the worker's port to nothing else.`);
  }
}

/**
 * A tab published to a reply subject (`_INBOX.…`) it was never handed: only the tab a request was delivered
 * to may answer it. Nothing was published; the worker counted it as forged.
 */
export class ForgedReplyError extends IsofluxError {
  constructor(readonly subject: string) {
    super('invalid_argument', `Refused a publish to ${JSON.stringify(subject.slice(0, 200))}: a tab may publish to a reply subject only to answer a request delivered to it (respond(), or a message's replyTo).`);
  }
}

/**
 * The leader tab holding the shared connection (`connectLeaderBus`) closed or crashed while this call was
 * in flight. Another tab takes over at once: subscriptions are re-created there and unacknowledged
 * publishes re-sent (with their ids), but a request cannot be known to be safe to repeat, so it fails with
 * this error; retry it if it is.
 */
export class LeaderGoneError extends IsofluxError {
  constructor() {
    super('connection_failed', 'The leader tab holding the shared connection closed or crashed while this call was in flight; another tab is taking over. Retry the call if it is safe to repeat.');
  }
}
