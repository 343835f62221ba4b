/**
 * What LISTEN/NOTIFY cannot do, as typed `unsupported` errors that say what to use instead.
 * @module
 */
import { IsofluxError, UnsupportedError } from '../core/errors.js';

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
