/**
 * The options both kinds of presence share, checked once.
 * @module
 */
import { randomToken } from '../core/random-token.js';
import type { Publisher, Subscriber } from '../core/interfaces.js';
import type { PresenceMeta } from './member.js';
import { assertMemberId, assertMeta, assertNamespace } from './wire.js';

/** The part of a bus presence uses: publish and subscribe (any isoflux transport). */
export type PresenceBus = Publisher & Subscriber;

/** Options of {@link joinTabs} and {@link joinNetwork}. */
export interface PresenceOptions<M extends PresenceMeta = PresenceMeta> {
  /** Who is on what: a literal subject such as `room.42` or `orders.created`. */
  namespace: string;
  /** What others see of this member (a name, a colour): a flat object of plain values, at most 1 KiB as JSON. */
  meta?: M;
  /** This member's id (1-64 characters of A-Z a-z 0-9 _ -); a random 128-bit one by default. */
  id?: string;
  /** Leaves when aborted. */
  signal?: AbortSignal;
  /** Called with every announcement that was ignored ({@link PresenceFrameError}). Defaults to `console.warn`. */
  onError?: (error: unknown) => void;
}

/** The options, checked, with defaults. */
export interface ResolvedPresenceOptions<M extends PresenceMeta> {
  readonly namespace: string;
  readonly meta: M;
  readonly id: string;
  readonly subject: string;
  readonly onError: (error: unknown) => void;
}

/** Checks the shared options; throws `InvalidArgumentError` before anything is announced. */
export function resolvePresenceOptions<M extends PresenceMeta>(options: PresenceOptions<M>): ResolvedPresenceOptions<M> {
  assertNamespace(options.namespace);
  const meta = (options.meta ?? {}) as M;
  assertMeta(meta);
  const id = options.id ?? randomToken();
  assertMemberId(id);
  return {
    namespace: options.namespace,
    meta,
    id,
    subject: `_isoflux.presence.${options.namespace}`,
    onError: options.onError ?? ((error) => console.warn('[isoflux]', error)),
  };
}
