/**
 * The outbox relay in a real Service Worker of real Chromium: messages enqueued in a tab while nats-server is
 * down are delivered after every tab of the origin closed, when the broker is back and Background Sync's
 * `sync` event fires (dispatched through the DevTools protocol) — counted in the real stream, exactly once.
 * And one relay at a time: while a tab relays, the worker's wake-up stands aside (`busy`).
 */
import { expect, test, type BrowserContext, type CDPSession, type Page } from 'playwright/test';
import { openTabs } from './fixtures/serve.js';
import { jsm, nats, readStream, server, useOutboxWorld } from './fixtures/outbox-world.js';
import type { OutboxTabApi } from './fixtures/outbox.js';

declare global {
  interface Window {
    outboxTab: OutboxTabApi;
  }
}

test.describe.configure({ mode: 'serial' });

useOutboxWorld();
let ns: string;
let n = 0;

test.beforeEach(async () => {
  ns = `sw${Date.now().toString(36)}${n++}`;
  await jsm.streams.add({ name: ns, subjects: [`${ns}.>`] });
});

const count = async (): Promise<number> => (await jsm.streams.info(ns)).state.messages;
/** {@link count}, or -1 while the restarted server's JetStream does not answer yet. */
const countSoon = (): Promise<number> => count().catch(() => -1);

/** The `i` of each message in the stream, in stream order. */
const storedIds = async (): Promise<string[]> => (await readStream(ns)).map((m) => `${(m.payload as { i: number }).i}`);

async function tabWithWorker(context: BrowserContext, problems: string[], options: { delayMs?: number; backgroundSync?: boolean } = {}): Promise<Page> {
  const [page] = await openTabs(context, `${server.url}outbox.html`, 1, problems);
  await page!.evaluate((u) => window.outboxTab.registerWorker(u), `/outbox-sw.ts?database=${ns}&ws=${encodeURIComponent(nats.wsUrl!)}`);
  await page!.evaluate((o) => window.outboxTab.open(o), { database: ns, wsUrl: nats.wsUrl!, ...options });
  return page!;
}

/** Background Sync events the browser records for the origin (registrations, dispatches), as `eventName`s. */
async function observeSyncs(cdp: CDPSession): Promise<string[]> {
  const names: string[] = [];
  cdp.on('BackgroundService.backgroundServiceEventReceived', ({ backgroundServiceEvent }) => void names.push(backgroundServiceEvent.eventName));
  await cdp.send('BackgroundService.setRecording', { shouldRecord: true, service: 'backgroundSync' });
  await cdp.send('BackgroundService.startObserving', { service: 'backgroundSync' });
  return names;
}

/** The registration id of the origin's Service Worker, through a page-level CDP session (on any page). */
async function registrationOf(cdp: CDPSession): Promise<string> {
  const origin = new URL(server.url).origin;
  const found = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const r = registrations.find((x) => x.scopeURL.startsWith(origin) && !x.isDeleted);
      if (r !== undefined) resolve(r.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  return found;
}

test('enqueued while the broker is down, delivered by the Service Worker on sync with every tab closed', async ({ context }) => {
  const problems: string[] = [];
  await nats.stop();
  // a page of no origin keeps the browser context (and a CDP session) while every tab of the origin closes
  const blank = await context.newPage();
  const cdp = await context.newCDPSession(blank);
  const page = await tabWithWorker(context, problems, { backgroundSync: true });
  const syncs = await observeSyncs(cdp);
  const registrationId = await registrationOf(cdp);
  // the outbox asks for a sync itself (`backgroundSync: true`) once a publish is stored
  await page.evaluate((s) => window.outboxTab.publish(s, 'a', 0, 50, 10), `${ns}.orders`);
  await expect.poll(() => syncs).toContain('Registered sync');
  expect((await page.evaluate(() => window.outboxTab.status())).depth).toBe(50);
  await page.close();
  expect(context.pages().map((p) => p.url())).toEqual(['about:blank']);

  await nats.start();
  await expect.poll(countSoon, { timeout: 20_000 }).toBe(0); // JetStream answers the Node client again
  const dispatched = performance.now();
  await cdp.send('ServiceWorker.dispatchSyncEvent', { origin: new URL(server.url).origin, registrationId, tag: 'isoflux-outbox', lastChance: false });
  await expect.poll(countSoon, { timeout: 20_000, intervals: [20] }).toBe(50);
  console.log(`service worker relay: 50 messages in the stream ${Math.round(performance.now() - dispatched)} ms after the sync event (no tab open)`);
  expect(context.pages().map((p) => p.url())).toEqual(['about:blank']);
  expect(await storedIds()).toEqual(Array.from({ length: 50 }, (_, i) => `${i}`));

  // a tab opened afterwards finds nothing left to send
  const after = await tabWithWorker(context, problems);
  console.log(`background sync events: ${syncs.join(', ')}`);
  await expect.poll(async () => (await after.evaluate(() => window.outboxTab.status())).depth).toBe(0);
  expect(await after.evaluate(() => window.outboxTab.sends())).toBe(0);
  expect(await count()).toBe(50);
  expect(problems.filter((p) => !/ERR_CONNECTION_REFUSED/.test(p))).toEqual([]);
});

test('one relay at a time: while a tab relays, a sync wake-up of the worker stands aside', async ({ context }) => {
  const problems: string[] = [];
  const page = await tabWithWorker(context, problems, { delayMs: 5 });
  const runs = () => page.evaluate(() => window.outboxTab.workerRuns());
  await runs(); // starts listening
  await expect.poll(async () => (await page.evaluate(() => window.outboxTab.status())).relay).toBe('relaying');
  await page.evaluate((s) => window.outboxTab.publish(s, 'a', 0, 300), `${ns}.orders`);
  const cdp = await context.newCDPSession(page);
  const registrationId = await registrationOf(cdp);
  await cdp.send('ServiceWorker.dispatchSyncEvent', { origin: new URL(server.url).origin, registrationId, tag: 'isoflux-outbox', lastChance: false });
  await expect.poll(runs).toEqual([expect.objectContaining({ result: 'busy', trigger: 'sync' })]);
  await page.evaluate(() => window.outboxTab.drained());
  expect(await storedIds()).toEqual(Array.from({ length: 300 }, (_, i) => `${i}`));
  expect(problems).toEqual([]);
});
