/**
 * Errors specific to the worker transport. They extend the core's `IsofluxError` with the core's stable
 * codes, so callers match them on `code` like every other isoflux error.
 * @module
 */
import { IsofluxError, type IsofluxErrorOptions } from '../core/errors.js';

/**
 * The worker hosting the bus stopped (terminated, crashed, or, for a SharedWorker, closed with its last
 * tab). Every pending call failed with it and every subscription ended; connect again to a new worker.
 */
export class WorkerGoneError extends IsofluxError {
  constructor() {
    super('closed', 'The worker hosting this bus stopped (terminated, crashed, or closed with its last tab): pending calls failed and subscriptions ended. Start the worker again and call connectWorkerBus.');
  }
}

/** The worker did not answer the handshake: it does not call `exposeBus`, or runs another isoflux build. */
export class WorkerHandshakeError extends IsofluxError {
  constructor(reason: string, options?: IsofluxErrorOptions) {
    super('connection_failed', `Could not connect to the bus in the worker: ${reason}. Call exposeBus(bus) at the top of the worker script, and serve tab and worker from the same build.`, options);
  }
}
