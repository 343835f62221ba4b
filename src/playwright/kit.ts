/**
 * The `isoflux` fixture's value: the buses of every page a test works with.
 * @module
 */
import type { Page } from 'playwright/test';
import type { PageBusInfo, PageEvent } from '../testing/page/protocol.js';
import { callPage, PageBus, waitForPageApi } from './page-bus.js';

/** Options of {@link IsofluxKit}. */
export interface IsofluxKitOptions {
  /** How long to wait for a page to expose a bus (default 10 000 ms). */
  readyTimeoutMs?: number;
}

/** An event with the page and bus it came from. */
export interface PageMessage extends PageEvent {
  readonly page: Page;
  readonly bus: string;
}

/** The buses of one page. */
export class PageBuses {
  constructor(
    readonly page: Page,
    readonly readyTimeoutMs: number,
  ) {}

  /** The bus the page exposed as `name`. */
  bus(name: string): PageBus {
    return new PageBus(this.page, name, this.readyTimeoutMs);
  }

  /** Every bus the page exposed (waits for the page API). */
  async list(): Promise<PageBusInfo[]> {
    await waitForPageApi(this.page, undefined, this.readyTimeoutMs);
    return callPage(this.page, 'buses');
  }
}

/** What the `isoflux` fixture gives a test. */
export class IsofluxKit {
  readonly #pages = new Set<Page>();
  readonly #readyMs: number;

  constructor(options: IsofluxKitOptions = {}) {
    this.#readyMs = options.readyTimeoutMs ?? 10_000;
  }

  /** The buses of `page`; the page is remembered for {@link published} and {@link delivered}. */
  on(page: Page): PageBuses {
    this.#pages.add(page);
    return new PageBuses(page, this.#readyMs);
  }

  /** Shorthand for `on(page).bus(name)`. */
  bus(page: Page, name: string): PageBus {
    return this.on(page).bus(name);
  }

  /** What every bus of every page handed to {@link on} (and still open) published, on subjects matching `pattern`. */
  published(pattern = '>'): Promise<PageMessage[]> {
    return this.#collect((bus) => bus.published(pattern));
  }

  /** What every bus of every page handed to {@link on} delivered to its subscribers. */
  delivered(pattern = '>'): Promise<PageMessage[]> {
    return this.#collect((bus) => bus.delivered(pattern));
  }

  async #collect(read: (bus: PageBus) => Promise<PageEvent[]>): Promise<PageMessage[]> {
    const all: PageMessage[] = [];
    for (const page of this.#pages) {
      if (page.isClosed()) continue;
      const buses = this.on(page);
      for (const info of await buses.list()) {
        for (const event of await read(buses.bus(info.name))) all.push({ ...event, page, bus: info.name });
      }
    }
    return all.sort((a, b) => a.at - b.at);
  }
}
