/**
 * A follower's publishes until the leader acknowledged them. Each publish keeps the id it was given (or
 * got) when it was made; the publishes of one tick travel in one call; and when the leader goes away before
 * answering, the unacknowledged ones go again, in their original order and with the same ids, to the next
 * leader, so a stream with de-duplication (JetStream's `Nats-Msg-Id`) stores each exactly once.
 * @module
 */
import { isIsofluxError } from '../core/errors.js';
import { checkPublishResults } from './decode.js';
import { LeaderGoneError, WorkerProtocolError } from './errors.js';
import type { Link } from './leader-link.js';
import { MAX_BATCH, asNotSerializable, fromWireError, type PublishItem, type WireError } from './protocol.js';

interface Entry {
  readonly seq: number;
  readonly item: PublishItem;
  resolve(): void;
  reject(error: unknown): void;
}

/** Publishes waiting for a leader, in flight, and re-sent. */
export class PublishQueue {
  readonly #timeoutMs: number;
  readonly #onMalformed: () => void;
  #waiting: Entry[] = [];
  #inFlight = 0;
  #link: Link | undefined;
  #seq = 0;
  #scheduled = false;
  readonly #idle = new Set<() => void>();
  /** Publishes that were sent again to a new leader (for stats and tests). */
  resent = 0;

  constructor(timeoutMs: number, onMalformed: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onMalformed = onMalformed;
  }

  /** Publishes not acknowledged yet (waiting or in flight). */
  get pending(): number {
    return this.#waiting.length + this.#inFlight;
  }

  /** Queues one publish (its id already fixed); resolves once the leader's bus accepted it. */
  add(item: PublishItem): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ seq: ++this.#seq, item, resolve, reject });
      this.#schedule();
    });
  }

  /** Sends on `link` from now on (undefined: hold everything until the next leader). */
  use(link: Link | undefined): void {
    this.#link = link;
    if (link !== undefined) this.#schedule();
  }

  /** Fails everything not acknowledged with `error` (the bus closed). */
  failAll(error: Error): void {
    for (const entry of this.#waiting.splice(0)) entry.reject(error);
  }

  /** Resolves once nothing is waiting or in flight. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  #schedule(): void {
    if (this.#scheduled || this.#link === undefined) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const link = this.#link;
    if (link === undefined) return;
    while (this.#waiting.length > 0) void this.#send(link, this.#waiting.splice(0, MAX_BATCH));
  }

  async #send(link: Link, entries: Entry[]): Promise<void> {
    this.#inFlight += entries.length;
    const items = entries.map((e) => e.item);
    let results: Array<WireError | null> | undefined;
    let failure: unknown;
    try {
      const value = await link.call('publish', [items], this.#timeoutMs);
      const problem = checkPublishResults(value, items.length);
      if (problem === undefined) results = value as Array<WireError | null>;
      else {
        this.#onMalformed();
        failure = new WorkerProtocolError('the leader tab', problem);
      }
    } catch (error) {
      failure = asNotSerializable(error);
    }
    this.#inFlight -= entries.length;
    if (failure instanceof LeaderGoneError) this.#requeue(entries, link);
    else if (results === undefined && entries.length > 1 && isIsofluxError(failure, 'not_serializable')) {
      // One payload no tab can receive must not fail its neighbours: send them one by one.
      for (const entry of entries) void this.#send(link, [entry]);
    } else
      entries.forEach((entry, i) => {
        const result = results?.[i];
        if (results === undefined) entry.reject(failure);
        else if (result === null || result === undefined) entry.resolve();
        else entry.reject(fromWireError(result));
      });
    if (this.pending === 0) for (const resolve of [...this.#idle.values()]) (this.#idle.delete(resolve), resolve());
  }

  /** The leader left before answering: back in line, in the original order, for the next one. */
  #requeue(entries: Entry[], link: Link): void {
    // the dead link must not be tried again (its calls fail at once: that would loop)
    if (this.#link === link) this.#link = undefined;
    this.resent += entries.length;
    this.#waiting = [...entries, ...this.#waiting].sort((a, b) => a.seq - b.seq);
    this.#schedule();
  }
}
