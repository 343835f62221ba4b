/**
 * @module isoflux/testing/page — the page side of isoflux/playwright: `exposeBuses({ name: bus })` lets a
 * Playwright test publish into the page's buses, wait for and collect their messages, and read outbox
 * status. Dev-only: `if (import.meta.env.DEV) exposeBuses(...)` disappears from production builds.
 */
export { exposeBuses, type ExposableBus } from './expose.js';
export { PAGE_API_KEY, type Observation, type PageApi, type PageBusInfo, type PageEvent, type PageEvents, type PagePublishOptions } from './protocol.js';
