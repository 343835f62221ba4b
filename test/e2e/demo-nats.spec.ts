/**
 * The demo's NATS panel in real Chromium against the nats-server `npm run demo` starts. These tests run
 * their own demo (node demo/serve.mjs on a free port) because they stop and start its broker: the shared
 * demo of the other specs must not see that outage. Pages sit in separate browser contexts, so a message
 * can only travel between them through NATS (not BroadcastChannel). Whether a message arrived is read from
 * the page's NATS bus (isoflux/playwright); the DOM checks are for what the panel shows.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PageBus } from '../../src/playwright/index.js';
import { expect, test, type Browser, type BrowserContext, type Page } from './fixtures/isoflux.js';
import { startDemo, stopDemo, type DemoProcess } from './fixtures/demo-process.js';

const run = promisify(execFile);

test.describe.configure({ mode: 'serial' });

let demo: DemoProcess;
/** What the pages of the current test reported: uncaught errors and console errors. */
let problems: string[];
const contexts: BrowserContext[] = [];

test.beforeAll(async () => {
  test.setTimeout(90_000); // bounds startDemo's own readiness wait
  demo = await startDemo();
});
test.afterAll(async () => {
  await stopDemo(demo);
});
test.beforeEach(() => {
  problems = [];
});
test.afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

const panel = (page: Page) => page.locator('[data-panel="nats"]');
const status = (page: Page) => panel(page).getByTestId('nats-status');
const rows = (page: Page) => panel(page).getByTestId('log-row');

/** A fresh page in its own browser context, showing the demo with NATS connected. */
async function openDemo(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  await page.goto(demo.url);
  // readiness signals, not a guess of how long a loaded machine needs: the panel mounted, then the server
  // has the page's subscription (the test's own timeout bounds both)
  await expect(panel(page)).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
  await expect(status(page)).toHaveText('connected', { timeout: 20_000 });
  return page;
}

async function publishFromPage(page: Page, subject: string, payload: string): Promise<void> {
  const form = panel(page).getByTestId('publish-form');
  await form.getByLabel('Subject').fill(subject);
  await form.getByLabel('JSON payload').fill(payload);
  await form.getByRole('button', { name: 'Publish' }).click();
  await expect(form.getByTestId('publish-status')).toHaveText(`published to ${subject} (the server has it)`);
}

/** Runs demo/publish.mjs as a separate Node process, as a person would from a terminal. */
async function publishFromNode(subject: string, payload: unknown): Promise<void> {
  const { stdout } = await run(process.execPath, ['demo/publish.mjs', subject, JSON.stringify(payload), '--demo', demo.url]);
  expect(stdout).toContain(`published to ${subject}`);
}

/** The page's NATS bus (demo/panels/nats.ts registers it once connected). */
let natsBus: (page: Page) => PageBus;
test.beforeEach(({ isoflux }) => {
  natsBus = (page) => isoflux.on(page).bus('nats');
});

async function expectRow(page: Page, subject: string, payload: string): Promise<void> {
  await expect(
    rows(page)
      .filter({ has: page.locator('.subject', { hasText: subject }) })
      .locator('.payload'),
  ).toHaveText(payload);
}

test('the page connects to the demo nats-server over WebSocket', async ({ browser }) => {
  const page = await openDemo(browser);
  const config = (await (await fetch(`${demo.url}/__demo/config`)).json()) as { nats: { wsUrl: string; running: boolean } };
  expect(config.nats.running).toBe(true);
  await expect(panel(page).getByTestId('nats-url')).toHaveText(config.nats.wsUrl);
  expect(problems).toEqual([]);
});

test('a message published in another browser context arrives live', async ({ browser }) => {
  const [watcher, sender] = [await openDemo(browser), await openDemo(browser)];
  await publishFromPage(sender, 'demo.chat.tab', '{ "text": "from the other tab" }');
  await natsBus(watcher).waitFor('demo.chat.tab', { text: 'from the other tab' }, { kinds: ['delivered'] });
  await expectRow(watcher, 'demo.chat.tab', '{"text":"from the other tab"}');
  await expectRow(sender, 'demo.chat.tab', '{"text":"from the other tab"}');
  await expect(panel(watcher).getByTestId('log-count')).toHaveText('1');

  // the test publishes into one page's bus as the page's own code would; the other page's log shows it
  await natsBus(sender).publish('demo.chat.test', { text: 'from the test' });
  await natsBus(watcher).waitFor('demo.chat.test', { text: 'from the test' }, { kinds: ['delivered'] });
  await expectRow(watcher, 'demo.chat.test', '{"text":"from the test"}');
  expect(problems).toEqual([]);
});

test('a message published by a Node process (demo/publish.mjs) arrives live', async ({ browser }) => {
  const page = await openDemo(browser);
  await publishFromNode('demo.chat.node', { text: 'from node', n: 1 });
  const arrived = await natsBus(page).waitFor('demo.chat.node', { text: 'from node', n: 1 }, { kinds: ['delivered'] });
  expect(arrived.id).toEqual(expect.any(String));
  await expectRow(page, 'demo.chat.node', '{"text":"from node","n":1}');
  expect(problems).toEqual([]);
});

test('broker outage: the page shows reconnecting, then connected, and delivery resumes', async ({ browser }) => {
  const [page, other] = [await openDemo(browser), await openDemo(browser)];
  await panel(page).getByTestId('broker-stop').click();
  await expect(status(page)).toHaveText('reconnecting');
  await expect(status(other)).toHaveText('reconnecting');
  await expect(panel(page).getByTestId('broker-status')).toContainText('nats-server stopped');

  await panel(page).getByTestId('broker-start').click();
  await expect(panel(page).getByTestId('broker-status')).toHaveText('nats-server running');
  await expect(status(page)).toHaveText('connected', { timeout: 10_000 });
  await expect(status(other)).toHaveText('connected', { timeout: 10_000 });

  // the subscriptions came back by themselves: both paths deliver again
  await publishFromNode('demo.chat.node', { text: 'after the outage' });
  await natsBus(page).waitFor('demo.chat.node', { text: 'after the outage' }, { kinds: ['delivered'] });
  await publishFromPage(other, 'demo.chat.tab', '{ "text": "tab after the outage" }');
  await natsBus(page).waitFor('demo.chat.tab', { text: 'tab after the outage' }, { kinds: ['delivered'] });
  await expectRow(page, 'demo.chat.tab', '{"text":"tab after the outage"}');
  // the browser reports each refused reconnect attempt as a console error; nothing else may appear
  const refused = /^console\.error: WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed/;
  expect(problems.filter((p) => !refused.test(p))).toEqual([]);
});

test('a publish made while the broker is down says it was not sent, and nothing arrives later', async ({ browser }) => {
  const [page, watcher] = [await openDemo(browser), await openDemo(browser)];
  await panel(page).getByTestId('broker-stop').click();
  await expect(status(page)).toHaveText('reconnecting');
  const form = panel(page).getByTestId('publish-form');
  await form.getByLabel('Subject').fill('demo.chat.lost');
  await form.getByLabel('JSON payload').fill('{ "text": "into the void" }');
  await form.getByRole('button', { name: 'Publish' }).click();
  await expect(form.getByTestId('publish-error-code')).toHaveText('not_sent');
  await expect(form.getByTestId('publish-error-message')).toContainText('was not sent');
  await expect(form.getByTestId('publish-status')).toHaveText('');

  await panel(page).getByTestId('broker-start').click();
  await expect(status(page)).toHaveText('connected', { timeout: 10_000 });
  await expect(status(watcher)).toHaveText('connected', { timeout: 10_000 });
  // a message after the outage arrives; the one "published" during it never does, on either page (the
  // later one arriving in order after it proves the lost one is not merely late)
  await publishFromPage(page, 'demo.chat.after', '{ "text": "back" }');
  await natsBus(watcher).waitFor('demo.chat.after', { text: 'back' }, { kinds: ['delivered'] });
  await expectRow(watcher, 'demo.chat.after', '{"text":"back"}');
  for (const p of [page, watcher]) expect(await natsBus(p).delivered('demo.chat.lost')).toEqual([]);
  await expect(rows(watcher).filter({ has: watcher.locator('.subject', { hasText: 'demo.chat.lost' }) })).toHaveCount(0);
  const refused = /^console\.error: WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed/;
  expect(problems.filter((p) => !refused.test(p))).toEqual([]);
});
