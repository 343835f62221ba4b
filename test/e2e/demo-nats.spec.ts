/**
 * The demo's NATS panel in real Chromium against the nats-server `npm run demo` starts. These tests run
 * their own demo (node demo/serve.mjs on a free port) because they stop and start its broker: the shared
 * demo of the other specs must not see that outage. Pages sit in separate browser contexts, so a message
 * can only travel between them through NATS (not BroadcastChannel).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { expect, test, type Browser, type BrowserContext, type Page } from 'playwright/test';

const run = promisify(execFile);

test.describe.configure({ mode: 'serial' });

interface Demo {
  readonly url: string;
  readonly child: ChildProcess;
}

/** Starts node demo/serve.mjs (the OS picks the port) and resolves with the URL it prints first. */
function startDemo(): Promise<Demo> {
  const child = spawn(process.execPath, ['demo/serve.mjs'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('demo/serve.mjs printed no URL within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`demo/serve.mjs exited with ${code} before printing its URL`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^isoflux demo: (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(line);
      if (match === null) return;
      clearTimeout(timer);
      resolve({ url: match[1]!, child });
    });
  });
}

/** SIGTERM by PID (the demo stops its nats-server too), then wait for the exit. */
async function stopDemo(demo: Demo | undefined): Promise<void> {
  const child = demo?.child;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid!, 'SIGTERM');
  await exited;
}

let demo: Demo;
/** What the pages of the current test reported: uncaught errors and console errors. */
let problems: string[];
const contexts: BrowserContext[] = [];

test.beforeAll(async () => {
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
  await expect(panel(page)).toHaveAttribute('data-ready', 'true');
  await expect(status(page)).toHaveText('connected');
  return page;
}

async function publishFromPage(page: Page, subject: string, payload: string): Promise<void> {
  const form = panel(page).getByTestId('publish-form');
  await form.getByLabel('Subject').fill(subject);
  await form.getByLabel('JSON payload').fill(payload);
  await form.getByRole('button', { name: 'Publish' }).click();
  await expect(form.getByTestId('publish-status')).toHaveText(`published to ${subject}`);
}

/** Runs demo/publish.mjs as a separate Node process, as a person would from a terminal. */
async function publishFromNode(subject: string, payload: unknown): Promise<void> {
  const { stdout } = await run(process.execPath, ['demo/publish.mjs', subject, JSON.stringify(payload), '--demo', demo.url]);
  expect(stdout).toContain(`published to ${subject}`);
}

async function expectRow(page: Page, subject: string, payload: string): Promise<void> {
  await expect(rows(page).filter({ has: page.locator('.subject', { hasText: subject }) }).locator('.payload')).toHaveText(payload);
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
  await expectRow(watcher, 'demo.chat.tab', '{"text":"from the other tab"}');
  await expectRow(sender, 'demo.chat.tab', '{"text":"from the other tab"}');
  await expect(panel(watcher).getByTestId('log-count')).toHaveText('1');
  expect(problems).toEqual([]);
});

test('a message published by a Node process (demo/publish.mjs) arrives live', async ({ browser }) => {
  const page = await openDemo(browser);
  await publishFromNode('demo.chat.node', { text: 'from node', n: 1 });
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
  await expectRow(page, 'demo.chat.node', '{"text":"after the outage"}');
  await publishFromPage(other, 'demo.chat.tab', '{ "text": "tab after the outage" }');
  await expectRow(page, 'demo.chat.tab', '{"text":"tab after the outage"}');
  // the browser reports each refused reconnect attempt as a console error; nothing else may appear
  const refused = /^console\.error: WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed/;
  expect(problems.filter((p) => !refused.test(p))).toEqual([]);
});
