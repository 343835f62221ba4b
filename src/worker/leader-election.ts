/**
 * Which tab holds the shared connection. Every tab asks for the Web Lock `isoflux/leader/<name>/leader`;
 * the browser grants it to one, and to the next in line the moment that one closes or crashes. The
 * leader takes a host lock under a fresh id, starts the hosted bus and announces the id on the channel;
 * a follower links to an announced leader only while that leader's host lock is held (watching it is what
 * tells the follower, at once, that the leader died — a frame cannot fake that).
 * @module
 */
import { nextId } from '../core/id.js';
import { holdLock, watchLock, type HeldLock, type LockManagerLike } from '../core/locks.js';
import type { HostedConnection } from './connection.js';
import { FrameKind, checkLeaderFrame, frame, type AnnounceFrame, type LeaderFrame } from './leader-frames.js';
import { LeaderHost } from './leader-host.js';
import { ChannelLink, LocalLink, type Link } from './leader-link.js';
import type { EventItem } from './protocol.js';
import type { HostedBus } from './session.js';

/** What the elected tab hosts: the bus (often still connecting), its connection's state, and how to stop it. */
export interface LeaderHosting {
  readonly bus: HostedBus | Promise<HostedBus>;
  /** Shown in every tab as the bus's `connection` (e.g. `watchConnection(nc)` from `isoflux/nats`). */
  readonly connection?: HostedConnection;
  /** Called when this tab stops leading (the bus closed); close the network connection here. */
  close?(): void | Promise<void>;
}

/** Where this tab stands. */
export type LeaderRole = 'electing' | 'leader' | 'follower';

/** What the election needs from its bus. */
export interface ElectionConfig {
  readonly name: string;
  readonly locks: LockManagerLike;
  readonly channel: BroadcastChannel;
  readonly tab: string;
  readonly host: () => LeaderHosting;
  readonly answerTimeoutMs: number;
  readonly guardReplies: boolean;
  /** The link changed (undefined: no leader now). Called before the old link closes. */
  onLink(link: Link | undefined): void;
  /** Session events from the current leader for this tab (items not checked yet). */
  onEvents(items: unknown): void;
  /** A frame was dropped: malformed, or well-formed but not from the leader / answering nothing. */
  onDrop(forged: boolean): void;
}

/** One tab's part in the election. */
export class Election {
  readonly #config: ElectionConfig;
  readonly #prefix: string;
  readonly #lifetime: HeldLock;
  #ballot: HeldLock | undefined;
  #link: Link | undefined;
  #unwatch: (() => void) | undefined;
  #host: { readonly leader: LeaderHost; readonly hosting: LeaderHosting; readonly lock: HeldLock } | undefined;
  #closed = false;

  constructor(config: ElectionConfig) {
    this.#config = config;
    this.#prefix = `isoflux/leader/${config.name}`;
    // Held while the tab lives: its release tells the leader to close this tab's session. Nothing is said
    // before it is held: a leader watching a lock not yet taken would take it and close the session at once.
    this.#lifetime = holdLock(config.locks, `${this.#prefix}/tab/${config.tab}`);
    void this.#lifetime.granted.then(() => {
      if (this.#closed) return;
      config.channel.addEventListener('message', this.#onFrame);
      this.#ballot = holdLock(config.locks, `${this.#prefix}/leader`, () => void this.#elected());
      this.#post(frame<AnnounceFrame>({ k: FrameKind.Who, from: config.tab }));
    }, () => undefined);
  }

  get role(): LeaderRole {
    return this.#host !== undefined ? 'leader' : this.#link !== undefined ? 'follower' : 'electing';
  }
  /** The host id of the leader this tab is linked to. */
  get leader(): string | undefined {
    return this.#link?.host;
  }
  /** The host this tab runs when it leads (for stats). */
  get hosted(): LeaderHost | undefined {
    return this.#host?.leader;
  }

  #post(data: LeaderFrame): void {
    if (!this.#closed) this.#config.channel.postMessage(data);
  }

  readonly #onFrame = (event: MessageEvent): void => {
    const data: unknown = event.data;
    if (checkLeaderFrame(data) !== undefined) return this.#config.onDrop(false);
    const f = data as LeaderFrame;
    const link = this.#link;
    switch (f.k) {
      case FrameKind.Call:
        return this.#host?.leader.receive(f);
      case FrameKind.Reply:
        if (f.to !== this.#config.tab) return;
        if (!(link instanceof ChannelLink && f.from === link.host && link.reply(f))) this.#config.onDrop(true);
        return;
      case FrameKind.Events:
        if (f.to !== this.#config.tab) return;
        if (link instanceof ChannelLink && f.from === link.host) this.#config.onEvents(f.items);
        else this.#config.onDrop(true);
        return;
      case FrameKind.Leader:
        // Two leaders cannot both hold the ballot: a second one while this tab leads is made up.
        if (this.#host !== undefined) return f.from === this.#host.leader.id ? undefined : this.#config.onDrop(true);
        return this.#follow(f.from);
      case FrameKind.Who:
        if (this.#host !== undefined) this.#announce();
    }
  };

  #announce(): void {
    if (this.#host !== undefined) this.#post(frame<AnnounceFrame>({ k: FrameKind.Leader, from: this.#host.leader.id }));
  }

  /** Links to the announced leader `host` — for as long as its host lock is held. */
  #follow(host: string): void {
    if (this.#closed || this.#link?.host === host) return;
    const link = new ChannelLink(this.#config.channel, this.#config.tab, host);
    this.#swap(link);
    // A made-up id holds no lock: the watch fires at once and the tab asks again who leads.
    this.#unwatch = watchLock(this.#config.locks, `${this.#prefix}/host/${host}`, () => {
      if (this.#link !== link) return;
      this.#swap(undefined);
      this.#post(frame<AnnounceFrame>({ k: FrameKind.Who, from: this.#config.tab }));
    });
  }

  #swap(next: Link | undefined): void {
    const previous = this.#link;
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#link = next;
    this.#config.onLink(next);
    previous?.close();
  }

  async #elected(): Promise<void> {
    if (this.#closed) return this.#ballot?.release();
    const id = nextId();
    const lock = holdLock(this.#config.locks, `${this.#prefix}/host/${id}`);
    await lock.granted;
    if (this.#closed) return lock.release();
    const hosting = this.#config.host();
    const bus = Promise.resolve(hosting.bus);
    const { answerTimeoutMs, guardReplies, locks } = this.#config;
    const leader = new LeaderHost(id, bus, this.#config.channel, this.#prefix, { answerTimeoutMs, guardReplies, connection: hosting.connection, locks });
    this.#host = { leader, hosting, lock };
    this.#swap(new LocalLink(leader, this.#config.tab, (items: EventItem[]) => this.#config.onEvents(items)));
    this.#announce();
  }

  /** Leaves the election: stops hosting (the next tab in line takes over) and releases this tab's locks. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#swap(undefined);
    this.#closed = true;
    this.#config.channel.removeEventListener('message', this.#onFrame);
    const host = this.#host;
    this.#host = undefined;
    if (host !== undefined) {
      await host.leader.close();
      // the next tab in line starts before this one's network connection is closed: a faster handover
      host.lock.release();
      this.#ballot?.release();
      await host.hosting.close?.();
    }
    this.#ballot?.release();
    this.#lifetime.release();
  }
}
