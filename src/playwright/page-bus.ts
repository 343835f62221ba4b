/**
 * The test side of one page's bus: publish into it, wait for and collect its messages, read its outbox
 * status, all through `page.evaluate` on the window API that `exposeBuses` installed.
 * @module
 */
import type { Page } from 'playwright/test';
import { DroppedError, TimeoutError } from '../core/errors.js';
import type { TapKind } from '../core/wiretap.js';
import { matchesPayload, subjectMatches, type PayloadMatch } from '../testing/match.js';
import { PAGE_API_KEY, type PageApi, type PageBusInfo, type PageEvent, type PageEvents, type PagePublishOptions } from '../testing/page/protocol.js';

/** Options of {@link PageBus.waitFor}. */
export interface PageWaitOptions {
  /** Give up after this long with `timeout` (default 5000 ms). */
  timeoutMs?: number;
  /** Which events count (default `published` and `delivered`). */
  kinds?: readonly TapKind[];
}

const DEFAULT_KINDS: readonly TapKind[] = ['published', 'delivered'];
/** Longest a single `events` call waits in the page: a long poll, answered as soon as anything happens. */
const POLL_MS = 1000;

type Method = 'buses' | 'publish' | 'events' | 'outboxStatus';

/** Calls `method` of the page API of `page` with `args` (the API must be installed: see {@link waitForPageApi}). */
export function callPage<K extends Method>(page: Page, method: K, ...args: Parameters<PageApi[K]>): Promise<Awaited<ReturnType<PageApi[K]>>> {
  return page.evaluate(
    ([key, name, rest]) => {
      const api = (globalThis as unknown as Record<string, PageApi | undefined>)[key];
      if (api === undefined) throw new Error('isoflux: this page did not call exposeBuses() (or has not yet)');
      return (api[name] as (...a: unknown[]) => unknown).apply(api, rest);
    },
    [PAGE_API_KEY, method, args as unknown[]] as const,
  ) as Promise<Awaited<ReturnType<PageApi[K]>>>;
}

/** Resolves once `page` has exposed a bus named `name` (or, without a name, installed the page API). */
export async function waitForPageApi(page: Page, name: string | undefined, timeoutMs: number): Promise<void> {
  try {
    await page.waitForFunction(
      ([key, wanted]) => {
        const api = (globalThis as unknown as Record<string, PageApi | undefined>)[key];
        return api !== undefined && (wanted === null || api.buses().some((b) => b.name === wanted));
      },
      [PAGE_API_KEY, name ?? null] as const,
      { timeout: timeoutMs },
    );
  } catch (error) {
    if (page.isClosed() || (error as Error).name !== 'TimeoutError') throw error;
    const exposed = await page
      .evaluate((key) => (globalThis as unknown as Record<string, PageApi | undefined>)[key]?.buses().map((b) => b.name), PAGE_API_KEY)
      .catch(() => undefined);
    const why = exposed === undefined ? 'it never called exposeBuses()' : `it exposed ${exposed.map((n) => JSON.stringify(n)).join(', ') || 'no bus'}`;
    throw new TimeoutError(
      `${page.url()} did not expose ${name === undefined ? 'its buses' : `a bus named ${JSON.stringify(name)}`} within ${timeoutMs} ms: ${why}`,
      timeoutMs,
    );
  }
}

/** One bus of one page, by the name the page gave it in `exposeBuses`. */
export class PageBus {
  constructor(
    readonly page: Page,
    readonly name: string,
    readonly readyTimeoutMs = 10_000,
  ) {}

  /** Resolves once the page exposed this bus (every other method waits for it first). */
  ready(): Promise<void> {
    return waitForPageApi(this.page, this.name, this.readyTimeoutMs);
  }

  /** What the page says about this bus (how it is observed, whether it can publish, has an outbox status). */
  async info(): Promise<PageBusInfo> {
    await this.ready();
    const all = await callPage(this.page, 'buses');
    return all.find((b) => b.name === this.name) as PageBusInfo;
  }

  /** Publishes into the page's bus, as the page's own code would; rejects with the page's error. */
  async publish(subject: string, payload: unknown, options?: PagePublishOptions): Promise<void> {
    await this.ready();
    await callPage(this.page, 'publish', this.name, subject, payload, options);
  }

  /** Every event the page recorded on this bus so far, oldest first. */
  async events(): Promise<PageEvent[]> {
    await this.ready();
    return [...(await this.#events(0, 0)).events];
  }

  /** The messages this bus published, on subjects matching `pattern` (default all). */
  async published(pattern = '>'): Promise<PageEvent[]> {
    return (await this.events()).filter((e) => e.kind === 'published' && subjectMatches(pattern, e.subject));
  }

  /** The messages this bus handed to its subscribers, on subjects matching `pattern`. */
  async delivered(pattern = '>'): Promise<PageEvent[]> {
    return (await this.events()).filter((e) => e.kind === 'delivered' && subjectMatches(pattern, e.subject));
  }

  /**
   * Resolves with the first event (already recorded, or to come) on a subject matching `pattern` whose
   * payload matches `match`: a partial payload (`{ id: 'o-1' }`) or a predicate, run in the test.
   */
  async waitFor<T = unknown>(pattern: string, match?: PayloadMatch<T>, options: PageWaitOptions = {}): Promise<PageEvent> {
    const { timeoutMs = 5000, kinds = DEFAULT_KINDS } = options;
    const deadline = Date.now() + timeoutMs;
    await this.ready();
    let from = 0;
    const seen = new Set<string>();
    for (;;) {
      const left = deadline - Date.now();
      const batch = await this.#events(from, Math.max(0, Math.min(POLL_MS, left)));
      for (const event of batch.events) {
        if (kinds.includes(event.kind) && subjectMatches(pattern, event.subject) && matchesPayload(event.payload as T, match)) return event;
        seen.add(`${event.kind} ${event.subject}`);
      }
      from = batch.next;
      if (Date.now() >= deadline) {
        const what = [...seen].slice(0, 10).join(', ') || 'nothing';
        throw new TimeoutError(
          `waitFor(${JSON.stringify(pattern)}) on bus ${JSON.stringify(this.name)} of ${this.page.url()}: no matching message (seen: ${what})`,
          timeoutMs,
        );
      }
    }
  }

  /** Throws `dropped` when this bus dropped any message so far. */
  async expectNoDrops(): Promise<void> {
    const drop = (await this.events()).find((e) => e.kind === 'dropped');
    if (drop !== undefined) throw new DroppedError(drop.subject, drop.pattern ?? '', drop.reason ?? 'unknown');
  }

  /** The outbox's status (the page refreshes it first). */
  async outboxStatus<S = Record<string, unknown>>(): Promise<S> {
    await this.ready();
    return (await callPage(this.page, 'outboxStatus', this.name)) as S;
  }

  #events(from: number, waitMs: number): Promise<PageEvents> {
    return callPage(this.page, 'events', this.name, from, waitMs);
  }
}
