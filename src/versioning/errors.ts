/**
 * The typed error of a message this build cannot read in the version it was written in.
 * @module
 */
import { IsofluxError } from '../core/errors.js';

/**
 * Why a message's version could not be brought to this build's: written by a newer build, no upcaster for a
 * step, an upcaster that threw, or a version header that is not a positive integer.
 */
export type VersionMismatchReason = 'newer' | 'no_upcaster' | 'upcast_failed' | 'invalid';

/**
 * A message's schema version is not one this receiver can read, and it was not handed to the handler (so it
 * was never mis-decoded). Code `version_mismatch`.
 */
export class VersionMismatchError extends IsofluxError {
  /**
   * @param subject The message's subject.
   * @param received The version the message carries (`undefined` when its header was not a version).
   * @param supported The version this receiver reads.
   * @param reason Why it could not be read.
   */
  constructor(
    readonly subject: string,
    readonly received: number | undefined,
    readonly supported: number,
    readonly reason: VersionMismatchReason,
    options?: { cause?: unknown; header?: string },
  ) {
    super('version_mismatch', message(subject, received, supported, reason, options?.header), options);
  }
}

function message(subject: string, received: number | undefined, supported: number, reason: VersionMismatchReason, header: string | undefined): string {
  const on = `Message on ${JSON.stringify(subject)}`;
  switch (reason) {
    case 'newer':
      return `${on} has schema version ${String(received)}, newer than the ${supported} this build reads: update this app (or publish the old version too while both builds run)`;
    case 'no_upcaster':
      return `${on} has schema version ${String(received)} and no upcaster leads from it to ${supported}: add one to this subject's \`upcast\``;
    case 'upcast_failed':
      return `${on}: the upcaster from schema version ${String(received)} towards ${supported} threw`;
    case 'invalid':
      return `${on} carries ${JSON.stringify(header)} as its schema version, which is not a positive integer`;
  }
}
