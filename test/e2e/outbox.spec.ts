/**
 * The durable outbox in real Chromium tabs (real IndexedDB, Web Locks) delivering into a real JetStream
 * stream over WebSocket. Every check counts what the stream holds: each message exactly once, in order per
 * subject, across a broker outage, a reload, a crashed relaying tab, two tabs enqueueing at once; a poison
 * message dead-lettered while the rest flow; a real storage quota, filled to the last byte while the relay
 * drains (removals need no space; nothing delivered is sent again after a reload); persistent storage; every
 * first ack lost on the way back (the resend with the same id is acked as a duplicate: one copy).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type BrowserContext, type CDPSession, type Page } from 'playwright/test';
import { chromiumLaunchOptions } from '../harness/chromium';
import { startAckDroppingProxy } from '../setup/ack-dropping-proxy.mjs';
import { openTabs } from './fixtures/serve.js';
import { jsm, nats, readStream, server, useOutboxWorld } from './fixtures/outbox-world.js';
import type { OpenOptions, OutboxTabApi } from './fixtures/outbox.js';

declare global {
  interface Window {
    outboxTab: OutboxTabApi;
  }
}

test.describe.configure({ mode: 'serial' });

useOutboxWorld();
let context: BrowserContext;
let problems: string[];
let ns: string;
let n = 0;

test.beforeEach(async ({ browser }) => {
  context = await browser.newContext();
  problems = [];
  ns = `ob${Date.now().toString(36)}${n++}`;
  await jsm.streams.add({ name: ns, subjects: [`${ns}.>`] });
});
test.afterEach(async () => {
  await context.close();
  // Chromium logs each refused WebSocket while the broker is down, and a crashed tab its crash: expected here.
  // Anything else a tab logged as an error is a failure.
  expect(problems.filter((p) => !/ERR_CONNECTION_REFUSED|crash/.test(p))).toEqual([]);
});

interface Stored {
  subject: string;
  id: string;
  tab: string;
  i: number;
}

/** Everything in this test's stream, in stream order. */
async function streamContents(): Promise<Stored[]> {
  return (await readStream(ns)).map(({ subject, id, payload }) => ({ subject, id, ...(payload as { tab: string; i: number }) }));
}

const count = async (): Promise<number> => (await jsm.streams.info(ns)).state.messages;
const range = (length: number): number[] => Array.from({ length }, (_, i) => i);

/** Each (tab, i) exactly once, with distinct ids, in enqueue order per tab. */
function expectExactlyOnceInOrder(stored: Stored[], perTab: Record<string, number>): void {
  expect(new Set(stored.map((s) => s.id)).size).toBe(stored.length);
  for (const [tab, total] of Object.entries(perTab)) expect(stored.filter((s) => s.tab === tab).map((s) => s.i)).toEqual(range(total));
  expect(stored).toHaveLength(Object.values(perTab).reduce((a, b) => a + b, 0));
}

async function tab(options: Partial<OpenOptions> & { database: string }, relay = true): Promise<Page> {
  const [page] = await openTabs(context, `${server.url}outbox.html`, 1, problems);
  await openOutbox(page!, options, relay);
  return page!;
}

async function openOutbox(page: Page, options: Partial<OpenOptions> & { database: string }, relay = true): Promise<void> {
  await page.evaluate((o) => window.outboxTab.open(o), relay ? { wsUrl: nats.wsUrl, ...options } : options);
}

test('1,000 messages published while nats-server is down all land in the stream exactly once when it starts', async () => {
  await nats.stop();
  const page = await tab({ database: ns });
  await page.evaluate((s) => window.outboxTab.publish(s, 'a', 0, 1000, 100), `${ns}.orders`);
  // fixed sleep: the relay retries against a stopped broker; no event says it tried and kept everything
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => window.outboxTab.status())).toMatchObject({ depth: 1000, delivered: 0, relay: 'relaying' });
  expect((await page.evaluate(() => window.outboxTab.status())).lastError?.message).toMatch(/not connected/);

  await nats.restart();
  await page.evaluate(() => window.outboxTab.drained());
  expectExactlyOnceInOrder(await streamContents(), { a: 1000 });
  expect(await page.evaluate(() => window.outboxTab.status())).toMatchObject({ depth: 0, delivered: 1000 });
});

test('reloading the page mid-drain loses nothing and duplicates nothing', async () => {
  const page = await tab({ database: ns, delayMs: 3 });
  await page.evaluate((s) => window.outboxTab.publish(s, 'a', 0, 400), `${ns}.orders`);
  await expect.poll(count, { intervals: [20] }).toBeGreaterThan(60);
  await page.reload();
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const left = (await count()) < 400;
  await openOutbox(page, { database: ns });
  await page.evaluate(() => window.outboxTab.drained());
  expect(left).toBe(true);
  expectExactlyOnceInOrder(await streamContents(), { a: 400 });
});

test('when the relaying tab crashes mid-drain, a second tab takes over and finishes', async () => {
  const first = await tab({ database: ns, delayMs: 3 });
  const second = await tab({ database: ns });
  expect((await second.evaluate(() => window.outboxTab.status())).relay).toBe('standby');
  await first.evaluate((s) => window.outboxTab.publish(s, 'a', 0, 400), `${ns}.orders`);
  await expect.poll(count, { intervals: [20] }).toBeGreaterThan(60);
  // Kill the tab's renderer: no unload handlers, no goodbye; the browser frees its Web Lock.
  const cdp = await context.newCDPSession(first);
  const crashed = first.waitForEvent('crash', { timeout: 5000 });
  void cdp.send('Page.crash').catch(() => undefined);
  await crashed;
  expect(await count()).toBeLessThan(400);
  await expect.poll(async () => (await second.evaluate(() => window.outboxTab.status())).relay).toBe('relaying');
  await second.evaluate(() => window.outboxTab.drained());
  expectExactlyOnceInOrder(await streamContents(), { a: 400 });
});

test('two tabs enqueueing at once: one relay, each tab’s order kept, nothing duplicated', async () => {
  const [a, b] = [await tab({ database: ns }), await tab({ database: ns })];
  const subject = `${ns}.shared`;
  await Promise.all([
    a.evaluate((s) => window.outboxTab.publish(s, 'a', 0, 500, 25), subject),
    b.evaluate((s) => window.outboxTab.publish(s, 'b', 0, 500, 25), subject),
  ]);
  await a.evaluate(() => window.outboxTab.drained());
  const stored = await streamContents();
  expectExactlyOnceInOrder(stored, { a: 500, b: 500 });
  const relays = await Promise.all([a, b].map((p) => p.evaluate(() => window.outboxTab.status())));
  expect(relays.map((s) => s.relay).sort()).toEqual(['relaying', 'standby']);
  expect(relays[0]!.delivered + relays[1]!.delivered).toBe(1000);
});

test('every first PubAck lost on the way back: the resend carries the same id, the stream keeps one copy of each', async () => {
  // the proxy lets each publish reach nats-server and drops the ack of its first stored copy
  const proxy = await startAckDroppingProxy(Number(new URL(nats.wsUrl!).port), { websocket: true });
  try {
    const page = await tab({ database: ns, wsUrl: `ws://127.0.0.1:${proxy.port}`, relay: { requestTimeoutMs: 1000 } });
    for (const key of ['a', 'b', 'c', 'd']) await page.evaluate(([s, t]) => window.outboxTab.publish(s!, t!, 0, 5), [`${ns}.${key}`, key]);
    await page.evaluate(() => window.outboxTab.drained());
    const stored = await streamContents();
    expectExactlyOnceInOrder(stored, { a: 5, b: 5, c: 5, d: 5 });
    // each of the 20 stored once and its ack dropped; each acked later only as a duplicate of that copy
    expect(proxy.stats()).toMatchObject({ dropped: 20 });
    expect(proxy.stats().duplicateAcks).toBe(proxy.stats().passedAcks);
    expect(proxy.stats().duplicateAcks).toBeGreaterThanOrEqual(20);
    const status = await page.evaluate(() => window.outboxTab.status());
    expect(status).toMatchObject({ depth: 0, delivered: 20 });
    expect(status.retried).toBeGreaterThanOrEqual(20);
    expect(status.lastError?.code).toBe('timeout');
  } finally {
    // the tab first: a proxy torn down under a live tab resets its socket mid-handshake (a console error)
    await context.close();
    await proxy.close();
  }
});

test('a subject no stream captures is dead-lettered (rejected, no_responders) after its grace while the rest keep flowing', async () => {
  const page = await tab({ database: ns, relay: { maxAttempts: 10, requestTimeoutMs: 2000, noRespondersGraceMs: 300 } });
  await page.evaluate((s) => window.outboxTab.publish(s, 'lost', 0, 1), `nostream${ns}.x`);
  await page.evaluate((s) => window.outboxTab.publish(s, 'a', 0, 200, 10), `${ns}.orders`);
  await page.evaluate(() => window.outboxTab.drained());
  expectExactlyOnceInOrder(await streamContents(), { a: 200 });
  const letters = await page.evaluate(() => window.outboxTab.deadLetters());
  // permanent: not maxAttempts (10) decided but the 300 ms grace, after a few attempts 100 ms apart
  expect(letters.map((l) => [l.subject, l.reason, l.errorCode])).toEqual([[`nostream${ns}.x`, 'rejected', 'no_responders']]);
  expect(letters[0]!.attempts).toBeLessThan(10);
  expect(await page.evaluate(() => window.outboxTab.status())).toMatchObject({ deadLetters: 1, deadLettered: 1, depth: 0 });
});

test('a full storage quota rejects with storage_quota and leaves earlier entries intact', async () => {
  // Chromium applies a quota override only to a profile on disk, not to the in-memory contexts of newContext().
  await context.close();
  const profile = mkdtempSync(join(tmpdir(), 'isoflux-outbox-profile-'));
  context = await chromium.launchPersistentContext(profile, chromiumLaunchOptions);
  try {
    // The quota is read when the origin's IndexedDB opens: set it before the outbox opens its database.
    const [page] = await openTabs(context, `${server.url}outbox.html`, 1, problems);
    const cdp = await context.newCDPSession(page!);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: 1024 * 1024 });
    await openOutbox(page!, { database: ns }, false);
    await page!.evaluate((s) => window.outboxTab.publish(s, 'a', 0, 50), `${ns}.orders`);
    expect(await page!.evaluate((s) => window.outboxTab.publishLarge(s, 4 * 1024 * 1024), `${ns}.big`)).toBe('storage_quota');
    expect(await page!.evaluate(() => window.outboxTab.status())).toMatchObject({ depth: 50 });

    // What was stored before is whole: with room again, a relay delivers all 50 and nothing else.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin });
    const relay = await tab({ database: ns });
    await relay.evaluate(() => window.outboxTab.drained());
    expectExactlyOnceInOrder(await streamContents(), { a: 50 });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

/** A persistent profile (Chromium applies a quota override only to a profile on disk) for `body`. */
async function withProfile(body: (page: Page, cdp: CDPSession) => Promise<void>): Promise<void> {
  await context.close();
  const profile = mkdtempSync(join(tmpdir(), 'isoflux-outbox-profile-'));
  context = await chromium.launchPersistentContext(profile, chromiumLaunchOptions);
  try {
    const [page] = await openTabs(context, `${server.url}outbox.html`, 1, problems);
    await body(page!, await context.newCDPSession(page!));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

test('at a full quota: attempts counted with the real error, delivered entries removed (read back), none sent again after a reload', async () => {
  test.setTimeout(90_000);
  // a 1 s duplicate window: anything sent again after the reload below would be stored twice
  await jsm.streams.delete(ns);
  await jsm.streams.add({ name: ns, subjects: [`${ns}.>`], duplicate_window: 1_000_000_000 });
  await withProfile(async (page, cdp) => {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: 1024 * 1024 });
    await nats.stop();
    await openOutbox(page, { database: ns });
    // filled down to 100-byte entries: not even a small write fits now; 8 per tick makes shared chunks,
    // so delivering some of a chunk's entries is a partial removal
    const stored = await page.evaluate(
      (s) =>
        window.outboxTab.fill(s, 'a', 0, [
          [24_000, 8],
          [2_000, 8],
          [100, 1],
        ]),
      `${ns}.orders`,
    );
    expect(stored).toBeGreaterThan(20);
    const status = () => page.evaluate(() => window.outboxTab.status());
    const retried = (await status()).retried;
    await expect.poll(async () => (await status()).retried, { intervals: [50] }).toBeGreaterThan(retried + 2);
    const full = await status();
    expect(full.lastError?.message).toMatch(/not connected/);
    expect(full.lastStorageError?.code).toBe('storage_quota');

    await nats.restart();
    await page.evaluate(() => window.outboxTab.drained());
    expectExactlyOnceInOrder(await streamContents(), { a: stored });
    // read back: no chunk (nor tombstone) is left, so nothing delivered is waiting to be sent again
    expect(await page.evaluate((d) => window.outboxTab.raw(d), ns)).toMatchObject({ chunkEntries: 0, tombstones: 0 });

    // fixed sleep: the reload must come after the stream's 1 s duplicate window, which is server time
    await page.waitForTimeout(1200);
    await page.reload();
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    await openOutbox(page, { database: ns });
    await expect.poll(() => page.evaluate(() => window.outboxTab.connected())).toBe(true);
    expect(await status()).toMatchObject({ depth: 0, relay: 'relaying' });
    expect(await page.evaluate(() => window.outboxTab.sends())).toBe(0);
    expect(await count()).toBe(stored);
  });
});

test('requestPersistence asks for persistent storage; status says whether it is granted', async ({ browser }) => {
  const page = await tab({ database: ns }, false);
  const before = await page.evaluate(() => navigator.storage.persisted());
  expect((await page.evaluate(() => window.outboxTab.status())).storagePersisted).toBe(before);
  // what a user's engagement (or a prompt) would give: the permission, granted to this origin in this context
  const { targetInfo } = await (await context.newCDPSession(page)).send('Target.getTargetInfo');
  const browserCdp = await browser.newBrowserCDPSession();
  await browserCdp.send('Browser.grantPermissions', {
    origin: new URL(server.url).origin,
    permissions: ['durableStorage'],
    browserContextId: targetInfo.browserContextId,
  });
  expect(await page.evaluate(() => window.outboxTab.requestPersistence())).toBe(true);
  expect((await page.evaluate(() => window.outboxTab.status())).storagePersisted).toBe(true);
  await browserCdp.detach();
});
