/**
 * JetStream failures as isoflux errors with the core's stable codes.
 * @module
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import { IsofluxError, RemoteError } from '../core/errors.js';
import { fromNatsError, isNoResponders } from '../nats/internal.js';

/** No stream captures the subject, so JetStream could not store the message. Nothing was stored. */
export class NoStreamError extends IsofluxError {
  constructor(readonly subject: string) {
    super('no_responders', `No JetStream stream captures ${JSON.stringify(subject)}: create one whose subjects match it (ensureStream), or check the subject.`);
  }
}

/** One setting on which an existing stream differs from the requested config. */
export interface StreamConfigDifference {
  readonly field: string;
  readonly existing: unknown;
  readonly requested: unknown;
}

/** `ensureStream` found a stream of that name whose config differs from the one requested. Nothing was changed. */
export class StreamConfigConflictError extends IsofluxError {
  constructor(readonly stream: string, readonly differences: ReadonlyArray<StreamConfigDifference>) {
    const list = differences.map((d) => `${d.field} (existing ${JSON.stringify(d.existing)}, requested ${JSON.stringify(d.requested)})`).join('; ');
    super('invalid_argument', `Stream ${JSON.stringify(stream)} already exists with a different config: ${list}. Use the existing config, update the stream deliberately (jsm.streams.update), or pick another name.`);
  }
}

/**
 * Maps a JetStream client error: no stream → `no_responders` ({@link NoStreamError}), a JetStream API refusal
 * (wrong last sequence, wrong stream …) → `remote_error` with the API's `err_code` as `remoteCode`, then the
 * nats-core mapping (closed, timeout).
 */
export function fromJetStreamError(error: unknown, subject: string, what: string, timeoutMs: number): unknown {
  if (error instanceof IsofluxError) return error;
  if (isNoResponders(error)) return new NoStreamError(subject);
  if (error instanceof JetStreamApiError) {
    const remote = new RemoteError(subject, String(error.code), error.message);
    return Object.assign(remote, { cause: error });
  }
  return fromNatsError(error, subject, what, timeoutMs);
}
