/**
 * Errors specific to the cross-tab transport. They extend the core's `IsofluxError` with the core's stable
 * codes, so callers match them on `code` like every other isoflux error.
 * @module
 */
import { IsofluxError, UnsupportedError } from '../core/errors.js';

/** This runtime lacks a web API the call needs (BroadcastChannel, or Web Locks for queue groups). Nothing was attempted. */
export class BroadcastUnsupportedError extends UnsupportedError {
  constructor(readonly api: 'BroadcastChannel' | 'Web Locks', what: string, hint: string) {
    super(`${what} needs ${api}, which this runtime does not have. ${hint}`);
  }
}

/**
 * Another tab (or worker) on the same namespace speaks another wire version. Its frames are dropped, not
 * misread; reload the older tab so every tab runs the same build. Reported through `onWireError`.
 */
export class WireVersionError extends IsofluxError {
  constructor(readonly peer: string | undefined, readonly remoteVersion: unknown, readonly localVersion: number) {
    super(
      'unsupported',
      `A tab${peer === undefined ? '' : ` (${peer})`} on this broadcast namespace speaks wire version ${JSON.stringify(remoteVersion)}, this tab speaks ${localVersion}: ` +
        'their messages are dropped. Reload the tabs so they all run the same build, or give each build its own namespace.',
    );
  }
}

/**
 * A frame or item from another tab was not well-formed. It was dropped and counted; nothing reached a
 * handler. Usually a foreign script posting on the channel. Reported through `onWireError`.
 */
export class MalformedFrameError extends IsofluxError {
  constructor(readonly detail: string) {
    super('decode_failed', `Dropped a malformed broadcast frame (${detail}); something else posts on this channel, or a tab runs a modified build.`);
  }
}
