/**
 * Presence between real Chromium tabs (pages of one browser context): every tab sees every other join, and
 * a closed tab leaves the others' rosters at once — its Web Lock is released by the browser, nobody polls.
 * Prints the measured leave times (close → the other tab's leave event).
 */
import { fileURLToPath } from 'node:url';
import { expect, test, type BrowserContext, type Page } from 'playwright/test';
import { serveFixtures, type FixtureServer } from './fixtures/serve.js';
import type { PresenceTabApi } from '../browser/presence-page.js';

declare global {
  interface Window {
    presenceTab: PresenceTabApi;
  }
}

const PAGE_SCRIPT = fileURLToPath(new URL('../browser/presence-page.ts', import.meta.url));
let server: FixtureServer;
let context: BrowserContext;
let problems: string[];
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
});
test.afterEach(async () => {
  await context.close();
  expect(problems).toEqual([]);
});

/** Opens a tab (a blank fixture page with the presence script loaded) that joins `namespace` as `name`. */
async function tab(namespace: string, name: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`${name}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${name}: console.error ${message.text()}`);
  });
  await page.goto(`${server.url}tabs.html`);
  await page.addScriptTag({ type: 'module', url: `/@fs${PAGE_SCRIPT}` });
  await page.waitForFunction(() => document.documentElement.dataset['presence'] === 'loaded');
  await page.evaluate(([ns, who]) => window.presenceTab.join(ns!, who!), [namespace, name]);
  return page;
}

const names = (page: Page): Promise<string[]> => page.evaluate(() => window.presenceTab.names());

test('every tab sees the others join, and a closed tab leaves every roster at once', async () => {
  const ns = `room.e${Date.now().toString(36)}${n++}`;
  const all = ['t0', 't1', 't2', 't3', 't4', 't5'];
  const pages: Page[] = [];
  for (const name of all) pages.push(await tab(ns, name));
  for (const page of pages) await expect.poll(() => names(page)).toEqual(all);

  const watcher = pages[0]!;
  const leaveMs: number[] = [];
  for (let i = all.length - 1; i >= 1; i--) {
    const closedAt = await watcher.evaluate(() => window.presenceTab.now());
    await pages[i]!.close();
    await expect.poll(() => names(watcher)).toEqual(all.slice(0, i));
    const leave = (await watcher.evaluate(() => window.presenceTab.changes())).find((c) => c.kind === 'leave' && c.name === all[i]);
    expect(leave?.reason).toBe('closed');
    leaveMs.push(leave!.at - closedAt);
    // the tabs still open agree
    for (const page of pages.slice(1, i)) await expect.poll(() => names(page)).toEqual(all.slice(0, i));
  }
  console.log(`presence: closed tab → leave seen by another tab in ${leaveMs.join(', ')} ms (max ${Math.max(...leaveMs)} ms)`);
  // Issue 17's acceptance figure. The release is immediate (the browser frees the lock as the document goes),
  // so the margin is two orders of magnitude even on a loaded machine.
  expect(Math.max(...leaveMs)).toBeLessThan(1000);
});

test('a reloaded tab leaves as its old self and joins as a new member', async () => {
  const ns = `room.r${Date.now().toString(36)}${n++}`;
  const a = await tab(ns, 'a');
  const b = await tab(ns, 'b');
  await expect.poll(() => names(a)).toEqual(['a', 'b']);
  await b.reload();
  await b.addScriptTag({ type: 'module', url: `/@fs${PAGE_SCRIPT}` });
  await b.waitForFunction(() => document.documentElement.dataset['presence'] === 'loaded');
  await b.evaluate((ns) => window.presenceTab.join(ns, 'b'), ns);
  await expect
    .poll(async () => (await a.evaluate(() => window.presenceTab.changes())).map((c) => `${c.kind} ${c.name}`))
    .toEqual(['join b', 'leave b', 'join b']);
  expect(await names(a)).toEqual(['a', 'b']);
});
