/**
 * The tab side: `connectWorkerBus(worker)` returns a bus with the usual contract whose work happens in the
 * worker. The front door is the kit's facade ({@link SessionBus}); the wire is {@link SessionDriver} over {@link WorkerPorts}.
 * @module
 */
import { AbortedError, ClosedError, TimeoutError } from '../core/errors.js';
import { nextId } from '../core/id.js';
import { holdLock, webLocks, type LockManagerLike } from '../core/locks.js';
import type { AnyTopics, TopicMap } from '../core/topics.js';
import { checkHello } from './decode.js';
import { WorkerGoneError, WorkerHandshakeError } from './errors.js';
import { checkWorkerOptions, type WorkerBusOptions, type WorkerBusStats, type WorkerTarget } from './options.js';
import { WorkerPorts } from './ports.js';
import { OPEN, PROTOCOL_VERSION, type OpenMessage } from './protocol.js';
import { SessionBus } from './session-bus.js';
import { SessionDriver } from './session-driver.js';

/**
 * A bus whose work happens in a worker. `publish` resolves once the worker's bus accepted the message (the
 * publishes of one tick travel in one call); delivery guarantees are the hosted bus's. Messages reach the
 * tab without an acker (settle them in the worker when that matters). A dead worker fails pending calls at
 * once with `WorkerGoneError` (`closed`) and ends every subscription with it; errors keep their class and `code`.
 */
export class WorkerBus<M extends TopicMap = AnyTopics> extends SessionBus<M, WorkerBusStats> {
  readonly #ports: WorkerPorts;
  /** Why the bus ended other than by `close()` (the worker died, the handshake failed). */
  #lost: Error | undefined;

  /** @internal use {@link connectWorkerBus} */
  constructor(ports: WorkerPorts, options: WorkerBusOptions, callTimeoutMs: number) {
    super(new SessionDriver(ports, ports.tally, callTimeoutMs), options);
    this.#ports = ports;
  }

  /** @internal the handshake: checks the protocol and starts watching the worker's lifetime. */
  async handshake(locks: LockManagerLike | undefined, callTimeoutMs: number): Promise<void> {
    let host: string;
    try {
      const hello = await this.session.handshake(this.#ports.call('hello', [PROTOCOL_VERSION], callTimeoutMs), checkHello);
      host = hello.host;
      if (hello.connection !== undefined) this.session.connection.apply(hello.connection);
    } catch (cause) {
      const error = new WorkerHandshakeError(cause instanceof TimeoutError ? 'the worker did not answer in time' : 'the worker refused', { cause });
      await this.#end(error);
      throw error;
    }
    if (locks !== undefined) this.#ports.watch(locks, `isoflux/worker/host/${host}`, () => void this.#end(new WorkerGoneError()));
  }

  /** The worker is gone (or never answered): calls fail with `reason` at once, subscriptions end with it. */
  async #end(reason: Error): Promise<void> {
    if (this.isClosed || this.#lost !== undefined) return;
    this.#lost = reason;
    this.#ports.end(reason);
    await this.session.fail(reason);
    await this.close();
  }

  protected override closedError(): ClosedError {
    return this.#lost instanceof ClosedError ? this.#lost : new ClosedError('WorkerBus');
  }
}

/**
 * Connects this tab to the bus a worker serves with `exposeBus`. `target` is a `Worker`, a `SharedWorker`
 * (its port is used) or a MessagePort. Resolves once the worker answered the handshake; rejects with
 * `connection_failed` when it does not within `callTimeoutMs`, with `invalid_argument` (naming the option)
 * for a wrong option and with `aborted` for an already-aborted `signal`. Costs two MessageChannels and one Web Lock.
 */
export async function connectWorkerBus<M extends TopicMap = AnyTopics>(target: WorkerTarget, options: WorkerBusOptions = {}): Promise<WorkerBus<M>> {
  const { callTimeoutMs } = checkWorkerOptions(options);
  if (options.signal?.aborted) throw new AbortedError('connectWorkerBus', options.signal.reason);
  const endpoint = 'port' in target ? target.port : target;
  const locks = options.locks === null ? undefined : (options.locks ?? webLocks());
  const client = nextId();
  const lifetime = locks === undefined ? undefined : holdLock(locks, `isoflux/worker/client/${client}`);
  // The worker starts watching this lock as soon as it sees the open message: hold it first.
  await lifetime?.granted.catch(() => undefined);
  const rpc = new MessageChannel();
  const events = new MessageChannel();
  const bus = new WorkerBus<M>(new WorkerPorts(rpc.port1, events.port1, lifetime, callTimeoutMs), options, callTimeoutMs);
  const open: OpenMessage = { type: OPEN, version: PROTOCOL_VERSION, client, rpc: rpc.port2, events: events.port2 };
  endpoint.postMessage(open, [rpc.port2, events.port2]);
  if ('start' in endpoint) endpoint.start();
  await bus.handshake(locks, callTimeoutMs);
  return bus;
}
