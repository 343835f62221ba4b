/**
 * JetStream failures as isoflux errors with the core's stable codes.
 * @module
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import { IsofluxError, RemoteError } from '../core/errors.js';
import { fromNatsError, isNoResponders } from '../nats/internal.js';

/**
 * No stream answered for the subject, so nothing was stored: either none captures it, or (in a cluster) its
 * stream is electing a leader — JetStream answers both the same way, so a caller that may be in a cluster
 * retries for a while (the outbox does: `noRespondersGraceMs`).
 */
export class NoStreamError extends IsofluxError {
  constructor(readonly subject: string) {
    super(
      'no_responders',
      `No JetStream stream answered for ${JSON.stringify(subject)}: no stream captures it (create one whose subjects match it with ensureStream, or check the subject), or its stream has no leader right now (a cluster election: retry in a few seconds).`,
    );
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

/** @nats-io/jetstream's default timeout of a JetStream API request (stream and consumer calls), in ms. */
export const JETSTREAM_API_TIMEOUT_MS = 5000;

/**
 * Maps a JetStream client error (`timeoutMs`: what the request waited, the JetStream API's default unless
 * the caller set another): no stream → `no_responders` ({@link NoStreamError}), a JetStream API refusal
 * (wrong last sequence, wrong stream …) → `remote_error` with the API's `err_code` as `remoteCode`, then the
 * nats-core mapping (closed, timeout).
 */
export function fromJetStreamError(error: unknown, subject: string, what: string, timeoutMs: number = JETSTREAM_API_TIMEOUT_MS): unknown {
  if (error instanceof IsofluxError) return error;
  if (isNoResponders(error)) return new NoStreamError(subject);
  if (error instanceof JetStreamApiError) {
    const remote = new RemoteError(subject, String(error.code), error.message);
    return Object.assign(remote, { cause: error });
  }
  return fromNatsError(error, subject, what, timeoutMs);
}
