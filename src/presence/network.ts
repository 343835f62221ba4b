/**
 * Presence across devices over any publish/subscribe bus (NATS, usually), without a heartbeat: a member
 * announces its join (everyone answers `here`, so it learns who is there) and its leave. What cannot be
 * announced — a device that loses power or network — is found by a roll call: about once per `livenessMs`
 * one member (whoever's jittered timer fires first) asks everyone to answer, and who does not answer within
 * `answerWindowMs` has gone. That is the one timeout, and it is documented: such a leave is seen after at
 * most `livenessMs × 1.5 + answerWindowMs`. A roll call that gets no answer at all (not even this member's
 * own, echoed by the server) means this member is cut off, not that everyone left: it removes nobody.
 * @module
 */
import { ClosedError } from '../core/errors.js';
import { randomToken } from '../core/random-token.js';
import type { Message } from '../core/message.js';
import type { Subscription } from '../core/interfaces.js';
import { PresenceFrameError } from './errors.js';
import { PresenceBase } from './base.js';
import type { PresenceMeta } from './member.js';
import { resolvePresenceOptions, type PresenceBus, type PresenceOptions, type ResolvedPresenceOptions } from './options.js';
import { commitment, decodeFrame, encodeFrame, type NetworkFrame } from './wire.js';

/** Options of {@link joinNetwork}. */
export interface NetworkPresenceOptions<M extends PresenceMeta = PresenceMeta> extends PresenceOptions<M> {
  /** About how often a roll call runs in the namespace (default 30 000 ms; 0: never, only announced leaves count). */
  livenessMs?: number;
  /** How long a roll call waits for the answers (default 2000 ms). */
  answerWindowMs?: number;
}

/**
 * Joins `namespace` across every device on `bus`. A leave must reveal the secret whose SHA-256 the join
 * published, so nobody can make a live member leave; a frame that does not decode, or a leave that does not
 * match, is ignored and reported to `onError` as a {@link PresenceFrameError}. Anyone allowed to publish on
 * `_isoflux.presence.<namespace>` can still add a member that is not there: restrict that subject with the
 * server's permissions where that matters.
 *
 * ```ts
 * const presence = await joinNetwork(createNatsBus(nc), { namespace: 'room.42', meta: { name: 'Ada' } }).ready;
 * ```
 */
export function joinNetwork<M extends PresenceMeta = PresenceMeta>(bus: PresenceBus, options: NetworkPresenceOptions<M>): NetworkPresence<M> {
  return new NetworkPresence(bus, resolvePresenceOptions(options), options);
}

interface RollCall {
  readonly answered: Set<string>;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly onDone: (() => void) | undefined;
}

/** Presence across devices. Made by {@link joinNetwork}. */
export class NetworkPresence<M extends PresenceMeta = PresenceMeta> extends PresenceBase<M> {
  readonly ready: Promise<this>;
  readonly #livenessMs: number;
  readonly #answerWindowMs: number;
  readonly #secret = randomToken();
  readonly #commits = new Map<string, string>();
  readonly #rolls = new Map<string, RollCall>();
  readonly #subscription: Subscription;
  #commit = '';
  #rollTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(bus: PresenceBus, options: ResolvedPresenceOptions<M>, raw: NetworkPresenceOptions<M>) {
    super(bus, options, raw.signal);
    this.#livenessMs = raw.livenessMs ?? 30_000;
    this.#answerWindowMs = raw.answerWindowMs ?? 2000;
    this.#subscription = bus.subscribe(options.subject, (message: Message<unknown>) => this.#receive(message.payload), {
      onError: options.onError,
      overflow: 'drop-oldest',
    });
    this.ready = this.#start();
    this.ready.catch(() => undefined);
  }

  async #start(): Promise<this> {
    this.#commit = await commitment(this.#secret);
    await this.#subscription.ready;
    if (this.closed) throw new ClosedError('presence closed before it was ready');
    await this.#send({ kind: 'join', id: this.self.id, meta: this.self.meta, commit: this.#commit });
    this.#scheduleRoll();
    return this;
  }

  /** Asks every member to answer now; resolves when the answer window closed (members that did not answer have left). */
  async rollCall(): Promise<void> {
    await this.ready;
    await new Promise<void>((resolve) => void this.#callRoll(resolve));
  }

  /** Starts a roll call: collects locally, asks everyone, answers it too (a bus may not echo our own frames). */
  async #callRoll(onDone?: () => void): Promise<void> {
    const token = randomToken();
    this.#startRoll(token, onDone);
    await this.#send({ kind: 'roll', id: this.self.id, token });
    await this.#answer(token);
  }

  #answer(token: string | undefined): Promise<void> {
    return this.#send({ kind: 'here', id: this.self.id, meta: this.self.meta, commit: this.#commit, token });
  }

  #send(frame: NetworkFrame): Promise<void> {
    return this.bus.publish(this.options.subject, encodeFrame(frame)).catch((error: unknown) => this.options.onError(error));
  }

  #reject(reason: string): void {
    this.options.onError(new PresenceFrameError(this.namespace, reason));
  }

  #receive(payload: unknown): void {
    if (this.closed) return;
    const frame = decodeFrame(payload);
    if (typeof frame === 'string') return this.#reject(frame);
    const self = frame.id === this.self.id;
    switch (frame.kind) {
      case 'join':
        if (!self) this.#arrive(frame.id, frame.meta as M, frame.commit);
        if (!self) void this.#answer(undefined);
        return;
      case 'here':
        if (!self) this.#arrive(frame.id, frame.meta as M, frame.commit);
        if (frame.token !== undefined) this.#rolls.get(frame.token)?.answered.add(frame.id);
        return;
      case 'roll':
        if (self) return;
        this.#startRoll(frame.token);
        void this.#answer(frame.token);
        return;
      case 'leave':
        return void this.#leave(frame.id, frame.secret);
    }
  }

  #arrive(id: string, meta: M, commit: string): void {
    const known = this.#commits.get(id);
    if (known !== undefined && known !== commit) return this.#reject(`a member ${id} announced with another commitment than its join`);
    this.#commits.set(id, commit);
    this.roster.add(id, meta);
  }

  async #leave(id: string, secret: string): Promise<void> {
    const commit = this.#commits.get(id);
    if (commit === undefined) return;
    if ((await commitment(secret)) !== commit) return this.#reject(`a leave of member ${id} whose secret does not match its join`);
    this.#commits.delete(id);
    this.roster.remove(id, 'left');
  }

  /** Collects the answers to roll call `token`; who has not answered when the window closes has gone. */
  #startRoll(token: string, onDone?: () => void): void {
    if (this.#rolls.has(token) || this.#rolls.size >= 16) return onDone?.();
    const before = new Set(this.roster.list().map((m) => m.id));
    const timer = setTimeout(() => {
      const roll = this.#rolls.get(token);
      this.#rolls.delete(token);
      if (roll === undefined || this.closed) return;
      // Not one answer, not even this member's own echo: this member is cut off (a NATS core publish made
      // while disconnected is lost), not everyone else gone. Keep the roster; the next roll call decides.
      const cutOff = roll.answered.size === 0;
      for (const id of cutOff ? [] : before) {
        if (id !== this.self.id && !roll.answered.has(id) && this.roster.remove(id, 'timeout')) this.#commits.delete(id);
      }
      roll.onDone?.();
    }, this.#answerWindowMs);
    this.#rolls.set(token, { answered: new Set(), timer, onDone });
    this.#scheduleRoll();
  }

  /** (Re)arms this member's roll-call timer; any roll call seen re-arms it, so about one runs per `livenessMs`. */
  #scheduleRoll(): void {
    clearTimeout(this.#rollTimer);
    if (this.#livenessMs <= 0 || this.closed) return;
    this.#rollTimer = setTimeout(() => void this.#callRoll(), this.#livenessMs * (1 + Math.random() / 2));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.#rollTimer);
    for (const roll of this.#rolls.values()) {
      clearTimeout(roll.timer);
      roll.onDone?.();
    }
    this.#rolls.clear();
    this.roster.clear();
    await this.ready.then(
      () => this.#send({ kind: 'leave', id: this.self.id, secret: this.#secret }),
      () => undefined,
    );
    await this.#subscription.unsubscribe();
  }
}
