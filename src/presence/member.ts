/**
 * What presence reports: members, join and leave changes, and the roster that turns "the members now" into
 * those changes.
 * @module
 */

/** A member's metadata: a small flat object of plain values (a name, a colour, a role), at most 1 KiB as JSON. */
export type PresenceMeta = Readonly<Record<string, string | number | boolean | null>>;

/** One member of a namespace. */
export interface Member<M extends PresenceMeta = PresenceMeta> {
  /** Unique per join (a new tab or a new `join` call gets a new one). */
  readonly id: string;
  readonly meta: M;
  /** When this context first saw the member (epoch ms, local clock: another device's clock is not trusted). */
  readonly since: number;
  /** True for the member this context joined as. */
  readonly self: boolean;
}

/** Why a member left. */
export type LeaveReason =
  /** Its tab or worker closed, crashed or was discarded (its Web Lock was released), or it called `close()`. */
  | 'closed'
  /** It said goodbye over the network (with the secret of its join). */
  | 'left'
  /** It did not answer a roll call within `answerWindowMs` (network presence only). */
  | 'timeout';

/** A join or a leave. */
export type PresenceChange<M extends PresenceMeta = PresenceMeta> =
  { readonly kind: 'join'; readonly member: Member<M> } | { readonly kind: 'leave'; readonly member: Member<M>; readonly reason: LeaveReason };

/** Receives presence changes. A listener that throws does not stop the others. */
export type PresenceListener<M extends PresenceMeta = PresenceMeta> = (change: PresenceChange<M>) => void;

/** Membership of one namespace as this context sees it. */
export interface Presence<M extends PresenceMeta = PresenceMeta> extends AsyncDisposable {
  readonly namespace: string;
  /** This context's own member. */
  readonly self: Member<M>;
  /** Resolves with this presence once this member is announced and the current members are known. */
  readonly ready: Promise<Presence<M>>;
  /** The members now, this one included, in order of arrival. */
  members(): Member<M>[];
  /** Calls `listener` on every join and leave; returns the function that stops it. */
  onChange(listener: PresenceListener<M>): () => void;
  /** Leaves the namespace (others see it at once) and stops watching. Idempotent. */
  close(): Promise<void>;
}

/** The members known now; emits a change whenever one arrives or goes. */
export class Roster<M extends PresenceMeta> {
  readonly #members = new Map<string, Member<M>>();
  readonly #listeners = new Set<PresenceListener<M>>();

  get size(): number {
    return this.#members.size;
  }

  list(): Member<M>[] {
    return [...this.#members.values()];
  }

  get(id: string): Member<M> | undefined {
    return this.#members.get(id);
  }

  has(id: string): boolean {
    return this.#members.has(id);
  }

  /** Adds the member unless known; returns it (the known one when it was). */
  add(id: string, meta: M, self = false): Member<M> {
    const known = this.#members.get(id);
    if (known !== undefined) return known;
    const member: Member<M> = Object.freeze({ id, meta, since: Date.now(), self });
    this.#members.set(id, member);
    this.#emit({ kind: 'join', member });
    return member;
  }

  /** Removes the member; false when it was not known. */
  remove(id: string, reason: LeaveReason): boolean {
    const member = this.#members.get(id);
    if (member === undefined) return false;
    this.#members.delete(id);
    this.#emit({ kind: 'leave', member, reason });
    return true;
  }

  listen(listener: PresenceListener<M>): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Stops every listener (at close: the members a closed presence knew are not reported as leaving). */
  clear(): void {
    this.#listeners.clear();
    this.#members.clear();
  }

  #emit(change: PresenceChange<M>): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (error) {
        console.error('[isoflux] presence listener failed:', error);
      }
    }
  }
}
