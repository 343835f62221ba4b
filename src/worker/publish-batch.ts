/**
 * Coalescing for the worker bridge: the publishes of one tick travel to the worker in one call, each
 * still resolving or failing on its own.
 * @module
 */
import { isIsofluxError } from '../core/errors.js';
import { MAX_BATCH, fromWireError, type PublishItem, type WireError } from './protocol.js';

interface Settler {
  resolve(): void;
  reject(error: unknown): void;
}

/** Collects publishes until the end of the tick, then sends them together. */
export class PublishBatch {
  readonly #send: (items: PublishItem[]) => Promise<Array<WireError | null>>;
  #items: PublishItem[] = [];
  #settlers: Settler[] = [];
  #sending: Promise<void> = Promise.resolve();

  constructor(send: (items: PublishItem[]) => Promise<Array<WireError | null>>) {
    this.#send = send;
  }

  /** Queues one publish; resolves once the worker's bus accepted it. */
  add(item: PublishItem): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#items.push(item) === 1) queueMicrotask(() => void this.flush());
      this.#settlers.push({ resolve, reject });
    });
  }

  /** Sends what is queued now; resolves once every batch sent so far is settled. */
  flush(): Promise<void> {
    const items = this.#items;
    const settlers = this.#settlers;
    this.#items = [];
    this.#settlers = [];
    // The worker refuses bigger calls: a huge tick travels in several.
    for (let i = 0; i < items.length; i += MAX_BATCH) {
      const chunk = items.length <= MAX_BATCH ? items : items.slice(i, i + MAX_BATCH);
      const chunkSettlers = items.length <= MAX_BATCH ? settlers : settlers.slice(i, i + MAX_BATCH);
      this.#sending = this.#sending.then(() => this.#deliver(chunk, chunkSettlers));
    }
    return this.#sending;
  }

  async #deliver(items: PublishItem[], settlers: Settler[]): Promise<void> {
    let results: Array<WireError | null>;
    try {
      results = await this.#send(items);
    } catch (error) {
      // One payload postMessage refuses must not fail its neighbours: resend them one by one.
      if (items.length > 1 && isIsofluxError(error, 'not_serializable')) {
        for (let i = 0; i < items.length; i++) await this.#deliver([items[i] as PublishItem], [settlers[i] as Settler]);
      } else for (const s of settlers) s.reject(error);
      return;
    }
    for (let i = 0; i < settlers.length; i++) {
      const failure = results[i];
      if (failure === null || failure === undefined) settlers[i]?.resolve();
      else settlers[i]?.reject(fromWireError(failure));
    }
  }
}
