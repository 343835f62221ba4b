/**
 * A follower's line to its session in the leader tab: the election, the link to the leader now (none
 * between two), the handshake with each new leader (subscriptions re-created there first, then the
 * unacknowledged publishes re-sent) and the publishes that survive a handover.
 * @module
 */
import { ClosedError, TimeoutError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import type { LockManagerLike } from '../core/locks.js';
import { checkHello } from './decode.js';
import { LeaderGoneError } from './errors.js';
import { Election, type LeaderRole } from './leader-election.js';
import type { Link } from './leader-link.js';
import { PublishQueue } from './leader-publish.js';
import type { LeaderBusOptions } from './options.js';
import { PROTOCOL_VERSION, type PublishItem, type SessionApi } from './protocol.js';
import type { Tally } from './session.js';
import type { SessionDriver, SessionLine } from './session-driver.js';

/** A follower's line to its session: the link to the leader now (none between two), publishes that survive a handover. */
export class LeaderLine implements SessionLine {
  readonly peer = 'the leader tab';
  readonly tally: Tally = { malformed: 0, forged: 0 };
  readonly #options: LeaderBusOptions;
  readonly #locks: LockManagerLike;
  /** The longest wait for a call to the leader (`callTimeoutMs`, checked). */
  readonly callTimeoutMs: number;
  readonly #channel: BroadcastChannel;
  readonly #queue: PublishQueue;
  readonly #roleListeners = new Set<(role: LeaderRole) => void>();
  readonly #linkWaiters = new Set<() => void>();
  #election: Election | undefined;
  #session: SessionDriver | undefined;
  #link: Link | undefined;
  #leaders = 0;
  #closed = false;

  constructor(options: LeaderBusOptions, locks: LockManagerLike, callTimeoutMs: number) {
    this.#options = options;
    this.#locks = locks;
    this.callTimeoutMs = callTimeoutMs;
    this.#queue = new PublishQueue(callTimeoutMs, () => void this.tally.malformed++);
    this.#channel = new BroadcastChannel(`isoflux/leader/${options.name ?? 'default'}`);
  }

  attach(session: SessionDriver): void {
    this.#session = session;
    const options = this.#options;
    this.#election = new Election({
      name: options.name ?? 'default',
      locks: this.#locks,
      channel: this.#channel,
      tab: nextId(),
      host: options.host,
      answerTimeoutMs: options.answerTimeoutMs ?? 30_000,
      guardReplies: options.guardReplies ?? true,
      onLink: (link) => this.#onLink(link),
      onEvents: (items) => session.receive(items),
      onDrop: (forged) => void (forged ? this.tally.forged++ : this.tally.malformed++),
    });
  }

  get election(): Election {
    return this.#election as Election;
  }

  stats(): Readonly<Record<string, number>> {
    const hosted = this.#election?.hosted?.tally;
    return { malformed: this.tally.malformed + (hosted?.malformed ?? 0), forged: this.tally.forged + (hosted?.forged ?? 0), resent: this.#queue.resent, leaders: this.#leaders };
  }

  watchRole(listener: (role: LeaderRole) => void): () => void {
    this.#roleListeners.add(listener);
    listener(this.election.role);
    return () => void this.#roleListeners.delete(listener);
  }

  #roleChanged(): void {
    for (const listener of [...this.#roleListeners]) listener(this.election.role);
  }

  call(op: keyof SessionApi, args: unknown[], timeoutMs: number): Promise<unknown> | undefined {
    return this.#link?.call(op, args, timeoutMs);
  }

  publish(item: PublishItem): Promise<void> {
    // The id is fixed now, so a re-send to the next leader is recognisably the same message.
    if (item[3] === undefined) item[3] = nextId();
    return this.#queue.add(item);
  }

  get isLinked(): boolean {
    return this.#link !== undefined;
  }

  linked(timeoutMs: number): Promise<void> {
    if (this.#link !== undefined) return Promise.resolve();
    if (this.#closed) return Promise.reject(new ClosedError('LeaderBus'));
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#linkWaiters.delete(done);
        if (this.#closed) reject(new ClosedError('LeaderBus'));
        else resolve();
      };
      const timer = setTimeout(() => {
        this.#linkWaiters.delete(done);
        reject(new TimeoutError('waiting for a leader tab', timeoutMs));
      }, timeoutMs);
      this.#linkWaiters.add(done);
    });
  }

  #onLink(link: Link | undefined): void {
    // Nothing more goes to the old leader; its unanswered publishes come back to the queue.
    this.#link = undefined;
    this.#queue.use(undefined);
    this.#session?.connection.handover(new LeaderGoneError());
    this.#roleChanged();
    if (link !== undefined) void this.#join(link);
  }

  async #join(link: Link): Promise<void> {
    const session = this.#session as SessionDriver;
    let hello;
    try {
      hello = await session.handshake(link.call('hello', [PROTOCOL_VERSION], this.callTimeoutMs), checkHello);
    } catch (error) {
      // A leader gone meanwhile is followed by the next; one whose bus failed is shown as the state.
      if (!(error instanceof LeaderGoneError)) session.connection.end(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.#election?.leader !== link.host || this.#closed) return;
    if (hello.connection !== undefined) session.connection.apply(hello.connection);
    else session.connection.linked();
    this.#link = link;
    this.#leaders++;
    // Subscriptions first (the leader runs one tab's calls in order), then the publishes still unacknowledged.
    session.reopen();
    this.#queue.use(link);
    for (const done of [...this.#linkWaiters]) done();
    this.#roleChanged();
  }

  /** Waits (up to `callTimeoutMs`) for the publishes not yet acknowledged. */
  async flush(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#queue.idle(), new Promise((resolve) => (timer = setTimeout(resolve, this.callTimeoutMs)))]);
    clearTimeout(timer);
  }

  /** Leaves the election: when this tab leads, the next tab in line takes over. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.failAll(new ClosedError('LeaderBus'));
    await this.#link?.call('close', [], this.callTimeoutMs).catch(() => undefined);
    await this.#election?.close();
    for (const done of [...this.#linkWaiters]) done();
    this.#channel.close();
  }
}
