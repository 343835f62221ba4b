/**
 * Errors of presence. They extend the core's `IsofluxError` with the core's stable codes.
 * @module
 */
import { IsofluxError } from '../core/errors.js';

/**
 * An announcement or a held lock from another tab or device was not well-formed (wrong version, a bad id,
 * metadata too large or not plain data) or could not be believed (a leave whose secret does not match the
 * member's join). It was ignored: nobody joined or left because of it. Reported through `onError`.
 */
export class PresenceFrameError extends IsofluxError {
  constructor(
    readonly namespace: string,
    readonly reason: string,
  ) {
    super(
      'decode_failed',
      `Ignored a presence announcement on ${JSON.stringify(namespace)}: ${reason}. Usually a foreign script or another build on the same namespace.`,
    );
  }
}
