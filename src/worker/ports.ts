/**
 * A tab's line to its session in a worker: comlink over a private MessagePort, deliveries on a second one.
 * It fixes comlink's weak spots: no proxy is ever handed out (nothing leaks), every call has a timeout,
 * calls fail at once when the worker dies, and answers are checked before they are believed.
 * @module
 */
import { releaseProxy, wrap, type Remote } from 'comlink';
import { ClosedError, TimeoutError } from '../core/errors.js';
import { watchLock, type HeldLock, type LockManagerLike } from '../core/locks.js';
import { checkPublishResults } from './decode.js';
import { guardAnswers } from './guard.js';
import { asNotSerializable, type PublishItem, type SessionApi, type WireError } from './protocol.js';
import { PublishBatch } from './publish-batch.js';
import type { Tally } from './session.js';
import { checkedAnswer, type SessionDriver, type SessionLine } from './session-driver.js';

const RESOLVED: Promise<void> = Promise.resolve();

/** The worker's end of one tab's session (see {@link SessionLine}). */
export class WorkerPorts implements SessionLine {
  readonly peer = 'the worker';
  readonly tally: Tally = { malformed: 0, forged: 0 };
  readonly #remote: Remote<SessionApi>;
  readonly #rpc: MessagePort;
  readonly #events: MessagePort;
  readonly #lifetime: HeldLock | undefined;
  readonly #callTimeoutMs: number;
  readonly #pending = new Set<(error: Error) => void>();
  readonly #batch: PublishBatch;
  #unwatch: (() => void) | undefined;
  /** Why calls fail now: the bus closed or the worker died. */
  #gone: Error | undefined;
  /** The bus closed itself (not the worker dying): the worker is told goodbye. */
  #polite = false;

  constructor(rpc: MessagePort, events: MessagePort, lifetime: HeldLock | undefined, callTimeoutMs: number) {
    this.#rpc = rpc;
    this.#events = events;
    this.#lifetime = lifetime;
    this.#callTimeoutMs = callTimeoutMs;
    this.#remote = wrap<SessionApi>(guardAnswers(rpc, (_detail, forged) => void (forged ? this.tally.forged++ : this.tally.malformed++)));
    // the publishes of one tick travel in one call
    const send = (items: PublishItem[]): Promise<unknown> => checkedAnswer(this.call('publish', [items], callTimeoutMs), (v) => checkPublishResults(v, items.length), this.tally, this.peer);
    this.#batch = new PublishBatch(send as (items: PublishItem[]) => Promise<Array<WireError | null>>);
  }

  attach(session: SessionDriver): void {
    this.#events.onmessage = (event: MessageEvent) => session.receive(event.data);
  }

  /** Watches the worker's lifetime lock: `onGone` runs the moment the worker dies. */
  watch(locks: LockManagerLike, name: string, onGone: () => void): void {
    this.#unwatch = watchLock(locks, name, onGone);
  }

  /**
   * Calls the worker with a timeout; fails at once with the reason when the bus closes or the worker dies
   * meanwhile, and with `not_serializable` when postMessage refuses an argument.
   */
  call(op: keyof SessionApi, args: unknown[], timeoutMs: number): Promise<unknown> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    return new Promise<unknown>((resolve, reject) => {
      const fail = (error: Error): void => finish(() => reject(error));
      const timer = setTimeout(() => fail(new TimeoutError(`worker call ${op}`, timeoutMs)), timeoutMs);
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        this.#pending.delete(fail);
        then();
      };
      this.#pending.add(fail);
      let answer: Promise<unknown>;
      try {
        answer = (this.#remote[op] as unknown as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (error) {
        return fail(asNotSerializable(error) as Error);
      }
      answer.then(
        (value) => finish(() => resolve(value)),
        (error: unknown) => fail(asNotSerializable(error) as Error),
      );
    });
  }

  publish(item: PublishItem): Promise<void> {
    return this.#batch.add(item);
  }

  /** A worker is there from the handshake on (a dead one fails the calls instead). */
  readonly isLinked = true;

  linked(): Promise<void> {
    return RESOLVED;
  }

  /** Calls fail with `reason` from now on, the ones in flight at once. */
  end(reason: Error): void {
    if (this.#gone !== undefined) return;
    this.#gone = reason;
    this.#unwatch?.();
    for (const fail of [...this.#pending]) fail(reason);
  }

  async flush(): Promise<void> {
    if (this.#gone !== undefined) return;
    await this.#batch.flush();
    this.#polite = true;
    this.end(new ClosedError('WorkerBus'));
  }

  /** Tells the worker to release this tab's session (when the bus closed itself), then closes the ports. */
  async close(): Promise<void> {
    if (this.#polite) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waited = new Promise((resolve) => (timer = setTimeout(resolve, this.#callTimeoutMs)));
      await Promise.race([this.#remote.close(), waited]).catch(() => undefined);
      clearTimeout(timer);
      this.#remote[releaseProxy]();
    }
    this.#rpc.close();
    this.#events.close();
    this.#lifetime?.release();
  }
}
