/**
 * What both kinds of presence share: the roster and its listeners, this member, the options, the bus, and
 * leaving on abort or `await using`.
 * @module
 */
import type { Member, Presence, PresenceListener, PresenceMeta } from './member.js';
import { Roster } from './member.js';
import type { PresenceBus, ResolvedPresenceOptions } from './options.js';

/** The common part of {@link TabPresence} and {@link NetworkPresence}. */
export abstract class PresenceBase<M extends PresenceMeta = PresenceMeta> implements Presence<M> {
  readonly namespace: string;
  readonly self: Member<M>;
  abstract readonly ready: Promise<this>;
  /** The members known now, this one first. */
  protected readonly roster = new Roster<M>();
  protected readonly options: ResolvedPresenceOptions<M>;
  /** The bus announcements travel on. */
  protected readonly bus: PresenceBus;
  /** True once `close()` was called. */
  protected closed = false;

  constructor(bus: PresenceBus, options: ResolvedPresenceOptions<M>, signal: AbortSignal | undefined) {
    this.bus = bus;
    this.options = options;
    this.namespace = options.namespace;
    this.self = this.roster.add(options.id, options.meta, true);
    signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  members(): Member<M>[] {
    return this.roster.list();
  }

  onChange(listener: PresenceListener<M>): () => void {
    return this.roster.listen(listener);
  }

  abstract close(): Promise<void>;

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
