/**
 * What crosses a trust boundary in presence: the names of the Web Locks tabs hold, and the frames devices
 * publish. Every value from another tab or device is decoded and checked here before it counts.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';
import { isValidSubject } from '../core/subject.js';
import type { PresenceMeta } from './member.js';

/** The wire version of presence frames and lock names. */
export const PRESENCE_VERSION = 1;
/** The longest metadata accepted, as JSON. */
export const MAX_META_BYTES = 1024;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const COMMIT = /^[A-Za-z0-9_-]{43}$/;
const MAX_NAMESPACE_LENGTH = 200;

/** Throws unless `namespace` is a literal subject (so it works as a lock name part and a NATS subject). */
export function assertNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string' || namespace.length > MAX_NAMESPACE_LENGTH || !isValidSubject(namespace)) {
    throw new InvalidArgumentError(
      `A presence namespace is a literal subject of at most ${MAX_NAMESPACE_LENGTH} characters, such as "room.42"; got ${JSON.stringify(namespace)}.`,
    );
  }
}

/** Throws unless `id` is a member id (1-64 characters of A-Z a-z 0-9 _ -). */
export function assertMemberId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !ID.test(id))
    throw new InvalidArgumentError(`A presence member id is 1-64 characters of A-Z a-z 0-9 _ -; got ${JSON.stringify(id)}.`);
}

/** The reason `value` is not metadata, or undefined when it is. */
export function metaProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'metadata is not an object';
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return 'metadata is not a plain object';
  for (const [key, item] of Object.entries(value)) {
    const type = typeof item;
    if (item !== null && type !== 'string' && type !== 'boolean' && !(type === 'number' && Number.isFinite(item)))
      return `metadata field ${JSON.stringify(key.slice(0, 40))} is not a string, finite number, boolean or null`;
  }
  if (new TextEncoder().encode(JSON.stringify(value)).length > MAX_META_BYTES) return `metadata is larger than ${MAX_META_BYTES} bytes as JSON`;
  return undefined;
}

/** Throws unless `meta` is valid metadata (checked on the way out, so a member never announces what others drop). */
export function assertMeta(meta: unknown): asserts meta is PresenceMeta {
  const problem = metaProblem(meta);
  if (problem !== undefined) throw new InvalidArgumentError(`Presence ${problem}.`);
}

/** The start of every presence lock name of `namespace`. */
export function lockPrefix(namespace: string): string {
  return `isoflux:presence:${PRESENCE_VERSION}:${encodeURIComponent(namespace)}:`;
}

/** The lock a member of `namespace` holds while present: its id and metadata are in the name. */
export function lockName(namespace: string, id: string, meta: PresenceMeta): string {
  return `${lockPrefix(namespace)}${id}:${encodeURIComponent(JSON.stringify(meta))}`;
}

/** A member read back from a lock name. */
export interface LockedMember {
  readonly id: string;
  readonly meta: PresenceMeta;
}

/** Decodes a held lock name that starts with `prefix`; a string says why it is not a member's lock. */
export function decodeLockName(prefix: string, name: string): LockedMember | string {
  const rest = name.slice(prefix.length);
  const colon = rest.indexOf(':');
  if (colon < 0) return 'a presence lock name without metadata';
  const id = rest.slice(0, colon);
  if (!ID.test(id)) return 'a presence lock name with a malformed member id';
  let meta: unknown;
  try {
    meta = JSON.parse(decodeURIComponent(rest.slice(colon + 1)));
  } catch {
    return 'a presence lock name whose metadata is not encoded JSON';
  }
  const problem = metaProblem(meta);
  return problem ?? { id, meta: meta as PresenceMeta };
}

/** A frame of network presence. */
export type NetworkFrame =
  /** A member arrived: everyone answers with `here`. */
  | { readonly kind: 'join'; readonly id: string; readonly meta: PresenceMeta; readonly commit: string }
  /** A member is present (answering a join or a roll call `token`). */
  | { readonly kind: 'here'; readonly id: string; readonly meta: PresenceMeta; readonly commit: string; readonly token: string | undefined }
  /** Everyone answers `here` with `token`; who does not within the answer window has gone. */
  | { readonly kind: 'roll'; readonly id: string; readonly token: string }
  /** A member leaves: `secret` hashes to the `commit` of its join, so nobody else can say it for them. */
  | { readonly kind: 'leave'; readonly id: string; readonly secret: string };

function field(value: Record<string, unknown>, key: string, pattern: RegExp): string | undefined {
  const item = value[key];
  return typeof item === 'string' && pattern.test(item) ? item : undefined;
}

/** Decodes a frame another device published; a string says why it is not one. */
export function decodeFrame(value: unknown): NetworkFrame | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a frame that is not an object';
  const frame = value as Record<string, unknown>;
  if (frame['v'] !== PRESENCE_VERSION)
    return `a frame of wire version ${JSON.stringify(frame['v'])?.slice(0, 20) ?? 'undefined'} (this build speaks ${PRESENCE_VERSION})`;
  const id = field(frame, 'id', ID);
  if (id === undefined) return 'a frame with a malformed member id';
  const kind = frame['kind'];
  if (kind === 'roll' || kind === 'leave') {
    const token = field(frame, kind === 'roll' ? 'token' : 'secret', ID);
    if (token === undefined) return `a ${kind} frame without a well-formed ${kind === 'roll' ? 'token' : 'secret'}`;
    return kind === 'roll' ? { kind, id, token } : { kind, id, secret: token };
  }
  if (kind !== 'join' && kind !== 'here') return 'a frame of unknown kind';
  const commit = field(frame, 'commit', COMMIT);
  if (commit === undefined) return `a ${kind} frame without a well-formed commitment`;
  const problem = metaProblem(frame['meta']);
  if (problem !== undefined) return `a ${kind} frame whose ${problem}`;
  const meta = frame['meta'] as PresenceMeta;
  if (kind === 'join') return { kind, id, meta, commit };
  const token = frame['token'] === undefined ? undefined : field(frame, 'token', ID);
  if (frame['token'] !== undefined && token === undefined) return 'a here frame with a malformed token';
  return { kind, id, meta, commit, token };
}

/** The frame as published (with its version). */
export function encodeFrame(frame: NetworkFrame): Record<string, unknown> {
  return { v: PRESENCE_VERSION, ...frame };
}

/** base64url of SHA-256 of `secret`: what a join commits to, and a leave must reveal the preimage of. */
export async function commitment(secret: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret)));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
