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

/** A short, never-throwing description of a value another tab sent (it may be a BigInt, a cycle, a Map …). */
function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return `a ${typeof value === 'object' ? (Array.isArray(value) ? 'array' : 'object') : typeof value}`;
}

/**
 * Another tab (or worker) on the same namespace speaks another wire version. Its frames are dropped, not
 * misread; reload the older tab so every tab runs the same build. Reported through `onWireError`.
 */
export class WireVersionError extends IsofluxError {
  constructor(readonly peer: string | undefined, readonly remoteVersion: unknown, readonly localVersion: number) {
    super(
      'unsupported',
      `A tab${peer === undefined ? '' : ` (${peer})`} on this broadcast namespace speaks wire version ${describe(remoteVersion)}, this tab speaks ${localVersion}: ` +
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

/**
 * A frame or item from another tab claimed an identity it does not have: a reply from a peer its request
 * did not go to, or a frame carrying this bus's own id. It was dropped and counted (`stats.forged`, and in
 * `stats.malformed`); nothing reached a handler or a requester. Reported through `onWireError`.
 */
export class ForgedFrameError extends MalformedFrameError {
  constructor(detail: string) {
    super(`forged: ${detail}`);
  }
}
