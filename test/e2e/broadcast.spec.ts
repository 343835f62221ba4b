/**
 * The broadcast transport between real Chromium tabs (pages of one browser context): delivery to every
 * tab without duplicates, queue groups with exactly-once handling and failover when the handling tab
 * closes, request/reply across tabs, release of a closed tab's interest, and rogue frames ignored.
 */
import { expect, test, type BrowserContext, type Page } from 'playwright/test';
import { openTabs, serveFixtures, type FixtureServer } from './fixtures/serve.js';
import type { TabApi } from './fixtures/tabs.js';

declare global {
  interface Window {
    tab: TabApi;
  }
}

let server: FixtureServer;
let context: BrowserContext;
let problems: string[];
let namespace: string;
let n = 0;

test.beforeAll(async () => {
  server = await serveFixtures();
});
test.afterAll(async () => {
  await server.close();
});
test.beforeEach(async ({ browser }) => {
  context = await browser.newContext();
  problems = [];
  namespace = `e2e-${Date.now().toString(36)}-${n++}`;
});
test.afterEach(async () => {
  await context.close();
  expect(problems).toEqual([]);
});

/** Opens `count` tabs, each with a bus on this test's namespace, and waits until they all know each other. */
async function tabs(count: number): Promise<Page[]> {
  const pages = await openTabs(context, `${server.url}tabs.html`, count, problems);
  await Promise.all(pages.map((p) => p.evaluate((ns) => window.tab.open(ns), namespace)));
  await Promise.all(pages.map((p) => p.evaluate((peers) => window.tab.waitForPeers(peers), count - 1)));
  return pages;
}

const ids = (payloads: unknown[]): number[] => payloads.map((p) => (p as { seq: number }).seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

test('every tab receives every message once, its own included, in each publisher’s order', async () => {
  const pages = await tabs(4);
  await Promise.all(pages.map((p) => p.evaluate(() => window.tab.subscribe('chat.>'))));
  await Promise.all(pages.map((p, t) => p.evaluate((t) => window.tab.publishBurst(`chat.from${t}`, Array.from({ length: 25 }, (_, i) => ({ t, i }))), t)));
  for (const page of pages) {
    await expect.poll(() => page.evaluate(() => window.tab.received('chat.>').length)).toBe(100);
  }
  // Barrier: each tab's end marker comes after any copy of its own messages (one sender's frames keep order)
  await Promise.all(pages.map((p, t) => p.evaluate((t) => window.tab.publishBurst(`chat.end${t}`, [{ t, end: true }]), t)));
  for (const page of pages) {
    await expect.poll(() => page.evaluate(() => (window.tab.received('chat.>') as Array<{ end?: boolean }>).filter((m) => m.end).length)).toBe(4);
  }
  for (const page of pages) {
    const got = ((await page.evaluate(() => window.tab.received('chat.>'))) as Array<{ t: number; i: number; end?: boolean }>).filter((m) => !m.end);
    expect(got).toHaveLength(100);
    for (let t = 0; t < 4; t++) expect(got.filter((m) => m.t === t).map((m) => m.i)).toEqual(range(0, 25));
  }
});

test('a queue group hands each message to exactly one tab, and another tab takes over when it closes', async () => {
  const [publisher, ...workers] = await tabs(4);
  await publisher!.evaluate(() => window.tab.subscribe('handled.*'));
  for (const w of workers) await w.evaluate(() => window.tab.work('jobs.*', 'workers'));
  const handledBy = async (page: Page) => page.evaluate(() => window.tab.received('work:jobs.*').length);

  await publisher!.evaluate(() => window.tab.publishPaced('jobs.run', 100, 0));
  await expect.poll(() => publisher!.evaluate(() => window.tab.received('handled.*').length)).toBe(100);
  const counts = await Promise.all(workers.map(handledBy));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(100);
  const leader = counts.findIndex((c) => c > 0);
  expect(counts.filter((c) => c > 0)).toHaveLength(1); // one leader tab handles while it lives

  // Close the leader while messages keep coming: none is lost, none handled twice.
  const paced = publisher!.evaluate(() => window.tab.publishPaced('jobs.run', 300, 2));
  // close it once it is handling the new batch (a real signal, not a fixed pause a loaded machine may outrun)
  await expect.poll(() => publisher!.evaluate(() => window.tab.received('handled.*').length)).toBeGreaterThan(120);
  await workers[leader]!.close();
  await paced;
  await expect.poll(() => publisher!.evaluate(() => window.tab.received('handled.*').length), { timeout: 10_000 }).toBe(400);
  // Barrier: one more job, seen by every surviving tab (a plain subscription beside its queue member) and
  // handled last by the new leader; the publisher's frames reach each tab in order, so every earlier job
  // was decided there first, and a repeat by the leader would be reported before this one.
  const survivors = workers.filter((_, i) => i !== leader);
  await Promise.all(survivors.map((w) => w.evaluate(() => window.tab.subscribe('jobs.*'))));
  await publisher!.evaluate(() => window.tab.publishBurst('jobs.run', [{ seq: -1 }]));
  for (const w of survivors) await expect.poll(() => w.evaluate(() => window.tab.received('jobs.*').length)).toBe(1);
  await expect.poll(() => publisher!.evaluate(() => window.tab.received('handled.*').length)).toBe(401);
  const all = ids(await publisher!.evaluate(() => window.tab.received('handled.*')));
  expect(all).toHaveLength(401);
  expect(all[400]).toBe(-1);
  const handled = all.slice(0, 400);
  expect([...handled.slice(100)].sort((a, b) => a - b)).toEqual(range(0, 300));
  const after = await Promise.all(survivors.map(handledBy));
  expect(after.filter((c) => c > 0)).toHaveLength(1);
});

test('request/reply works across tabs, with no_responders and remote_error told apart', async () => {
  const [a, b, c] = await tabs(3);
  await b!.evaluate(() => window.tab.respond('svc.echo'));
  await c!.evaluate(() => window.tab.respond('svc.fail', true));
  for (const page of [a!, c!]) {
    expect(await page.evaluate(() => window.tab.request('svc.echo', 'hi'))).toMatchObject({ echo: 'hi' });
  }
  expect(await a!.evaluate(() => window.tab.request('svc.nobody', 1))).toEqual({ error: 'no_responders' });
  expect(await a!.evaluate(() => window.tab.request('svc.fail', 1))).toEqual({ error: 'remote_error' });
});

test('a closed tab’s subscriptions are released: the others forget it and its subjects have no responders', async () => {
  const [a, b, c] = await tabs(3);
  await c!.evaluate(() => window.tab.respond('svc.c'));
  expect(await a!.evaluate(() => window.tab.request('svc.c', 1))).toMatchObject({ echo: 1 });
  const closing = await c!.evaluate(() => window.tab.id());
  expect(await a!.evaluate(() => window.tab.peers())).toContain(closing);
  await c!.close();
  for (const page of [a!, b!]) {
    await expect.poll(() => page.evaluate(() => window.tab.peers())).not.toContain(closing);
    expect(await page.evaluate(() => window.tab.peers())).toHaveLength(1);
    expect(await page.evaluate(() => window.tab.request('svc.c', 1))).toEqual({ error: 'no_responders' });
  }
});

test('malformed frames and frames of another wire version from a rogue tab are counted and ignored', async () => {
  const [a, b, rogue] = await tabs(3);
  await b!.evaluate(() => window.tab.subscribe('x'));
  await rogue!.evaluate((ns) => {
    const channel = new BroadcastChannel(`isoflux/broadcast/${ns}`);
    channel.postMessage('junk');
    channel.postMessage({ p: 'isoflux/broadcast', v: 1, from: 'rogue', s: 0, items: [[0, 'x', 'bad headers', 'id', { h: 1 }], [0, 'x.*', 1, 'id']] });
    channel.postMessage({ p: 'isoflux/broadcast', v: 99, from: 'future', s: 0, items: [[0, 'x', 'misread', 'id']] });
    channel.close();
  }, namespace);
  await a!.evaluate(() => window.tab.publishBurst('x', ['good']));
  await expect.poll(() => b!.evaluate(() => window.tab.received('x'))).toEqual(['good']);
  const stats = await b!.evaluate(() => window.tab.stats());
  expect(stats.malformed).toBe(3);
  expect(stats.versionMismatches).toBe(1);
});
