/**
 * @module isoflux/playwright — a Playwright Test fixture connected to the page's buses (the page exposes
 * them with `exposeBuses` from `isoflux/testing/page`): publish into a page's bus from the test,
 * `await bus.waitFor('orders.created', { id: 'o-1' })`, collect what the pages published, read an outbox's
 * status. Add it to your `test`: `export const test = base.extend<IsofluxFixtures>(isofluxFixtures)`.
 * Types only from Playwright: this entry imports nothing of it at run time, so it works with the `test` of
 * `@playwright/test` and of `playwright/test` alike.
 */
import type { Fixtures } from 'playwright/test';
import { IsofluxKit } from './kit.js';

export { IsofluxKit, PageBuses, type IsofluxKitOptions, type PageMessage } from './kit.js';
export { PageBus, type PageWaitOptions } from './page-bus.js';
export type { PageBusInfo, PageEvent, PagePublishOptions } from '../testing/page/protocol.js';

/** The fixtures this entry adds. */
export interface IsofluxFixtures {
  /** The buses of the pages the test opens: `isoflux.on(page).bus('orders')`. */
  isoflux: IsofluxKit;
  /** Options of the `isoflux` fixture (`test.use({ isofluxOptions: { readyTimeoutMs } })`). */
  isofluxOptions: { readyTimeoutMs?: number };
}

/**
 * For `base.extend<IsofluxFixtures>(isofluxFixtures)` on your own `test`:
 *
 * ```ts
 * import { test as base, expect } from '@playwright/test';
 * import { isofluxFixtures, type IsofluxFixtures } from 'isoflux/playwright';
 * export const test = base.extend<IsofluxFixtures>(isofluxFixtures);
 * ```
 */
export const isofluxFixtures: Fixtures<IsofluxFixtures> = {
  isofluxOptions: [{}, { option: true }],
  isoflux: async ({ isofluxOptions }, use) => {
    await use(new IsofluxKit(isofluxOptions));
  },
};
