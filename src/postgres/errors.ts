/**
 * What LISTEN/NOTIFY cannot do, as typed `unsupported` errors that say what to use instead, and the typed
 * report of a notification that is not an isoflux envelope.
 * @module
 */
import { DecodeError, IsofluxError, UnsupportedError, type IsofluxErrorOptions } from '../core/errors.js';

/** A feature PostgreSQL LISTEN/NOTIFY cannot provide honestly (queue groups, request/reply). */
export class PostgresUnsupportedError extends UnsupportedError {
  constructor(feature: string, instead: string) {
    super(`The postgres transport does not support ${feature}: ${instead}`);
  }
}

/** A subscription pattern with a wildcard inside the partition tokens of a partitioned bus. */
export class PartitionUnsupportedError extends UnsupportedError {
  constructor(
    readonly pattern: string,
    readonly partitionTokens: number,
  ) {
    super(
      `Pattern ${JSON.stringify(pattern)} has a wildcard within the first ${partitionTokens} token(s), which pick the channel on this bus ` +
        `(partitionTokens: ${partitionTokens}); its subjects would be spread over unboundedly many channels. ` +
        'Make the leading tokens literal, or use a bus with a smaller partitionTokens (0 = one channel, every pattern works).',
    );
  }
}

/** PostgreSQL could not be reached (or the connection broke) while listening or notifying. */
export class PostgresConnectionError extends IsofluxError {
  constructor(what: string, cause: unknown) {
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    super(
      'connection_failed',
      `${what} failed because the connection to PostgreSQL failed${reason}. The notification may not have been sent (LISTEN/NOTIFY is at-most-once); ` +
        'check that the server runs, or put an outbox in front of this publisher for at-least-once.',
      { cause },
    );
  }
}

/** PostgreSQL reports its own errors as `PostgresError` with a SQLSTATE `code`; everything else is the connection. */
export function fromPostgresError(error: unknown, what: string): unknown {
  if (error instanceof IsofluxError) return error;
  if (error instanceof Error && error.name === 'PostgresError') return error;
  return new PostgresConnectionError(what, error);
}

/** What is wrong with a notification that is not an isoflux envelope (see {@link EnvelopeError}). */
export type EnvelopeFault =
  /** No newline: the metadata line is missing. */
  | 'no_metadata'
  /** The metadata line is not JSON. */
  | 'metadata_not_json'
  /** The metadata is not an object with string `s` (subject) and `i` (id), or `b` is not 1. */
  | 'not_an_envelope'
  /** `h` is not an object of string values. */
  | 'bad_headers'
  /** `b: 1` but the body is not base64. */
  | 'bad_body'
  /** The subject is not a valid literal subject. */
  | 'invalid_subject'
  /** The subject belongs on another channel of this bus (a partitioned bus): forged or misrouted. */
  | 'wrong_channel';

/**
 * A notification on one of the bus's channels that is not an isoflux envelope (code `decode_failed`;
 * `fault` says why). It was dropped, reported to the bus's `onError` and counted in `stats.foreign`; the
 * subscriptions go on. Something other than an isoflux bus NOTIFYs on this channel.
 */
export class EnvelopeError extends DecodeError {
  constructor(
    readonly channel: string,
    readonly fault: EnvelopeFault,
    detail: string,
    options?: IsofluxErrorOptions,
  ) {
    super(`channel ${channel}`, 'an isoflux NOTIFY envelope', options);
    this.message = `Notification on channel ${channel} is not an isoflux envelope (${fault}: ${detail}); it was dropped. Only isoflux buses of this namespace should NOTIFY on it.`;
  }
}
