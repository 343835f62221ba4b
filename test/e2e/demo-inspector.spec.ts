/**
 * The live inspector in the demo, in real Chromium, against the demo's own nats-server: what it draws
 * agrees with what the panels show (each lane's buffer and drops, the outbox depth, the connection state,
 * the cross-tab queue group's leading tab), read from the drawn elements' data attributes. Saves a
 * screenshot of every panel and of the inspector (to ISOFLUX_SCREENS_DIR when set, else the test's output
 * folder) for a person to look at: pixel comparisons are too font-dependent to assert.
 * A poison message on JetStream: its attempts shown, dead-lettered in seconds, counted by the inspector.
 * Also the demo without nats-server (`--no-nats`): the NATS panel's embedded default (the demo server's own
 * isoflux HTTP endpoint and its feed) carries messages between tabs and from Node.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page, type TestInfo } from 'playwright/test';
import { startDemo, stopDemo, type DemoProcess } from './fixtures/demo-process.js';

test.describe.configure({ mode: 'serial' });

let demo: DemoProcess;
let problems: string[];
const contexts: BrowserContext[] = [];

test.beforeAll(async () => {
  test.setTimeout(90_000);
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
  expect(problems).toEqual([]);
});

const PANELS = ['memory', 'nats', 'broadcast', 'outbox', 'inspector'];
const panel = (page: Page, id: string) => page.locator(`[data-panel="${id}"]`);
const inspector = (page: Page) => panel(page, 'inspector').locator('[data-isoflux-inspector]');
const section = (page: Page, name: string) => inspector(page).locator(`[data-section="${name}"]`);

async function openDemo(browser: Browser, context?: BrowserContext): Promise<Page> {
  if (context === undefined) {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
  }
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  await page.goto(demo.url);
  for (const id of PANELS) await expect(panel(page, id)).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
  await expect(panel(page, 'nats').getByTestId('nats-status')).toHaveText('connected', { timeout: 20_000 });
  return page;
}

/** Saves a screenshot of `locator`'s panel under `name` (see the file's comment). */
async function screenshot(page: Page, id: string, name: string, info: TestInfo): Promise<void> {
  const dir = process.env['ISOFLUX_SCREENS_DIR'] ?? info.outputPath('screens');
  mkdirSync(dir, { recursive: true });
  await panel(page, id).screenshot({ path: join(dir, `${name}.png`), animations: 'disabled' });
}

test('the inspector draws each memory lane’s buffer and drops as its card counts them', async ({ browser }, info) => {
  const page = await openDemo(browser);
  await panel(page, 'memory').getByTestId('burst').click();
  await expect(panel(page, 'memory').getByTestId('burst-status')).toContainText('accepted', { timeout: 20_000 });
  for (const policy of ['block', 'drop-newest', 'drop-oldest', 'disconnect']) {
    const card = panel(page, 'memory').locator(`[data-policy="${policy}"]`);
    const row = section(page, 'subscribers').locator(`[data-bus="memory"][data-pattern="> (${policy})"]`);
    await expect(row).toHaveAttribute('data-buffer-size', '8');
    // the card and the inspector read the same subscription: once both settle they agree
    const agree = async (): Promise<boolean> => (await card.locator('[data-stat="dropped"]').textContent()) === (await row.getAttribute('data-dropped'));
    await expect.poll(agree).toBe(true);
  }
  // the wiretap of the memory bus: the burst's 200 publishes in one subject's row
  await expect(section(page, 'subjects').locator('[data-bus="memory"][data-subject="demo.burst"]')).toHaveAttribute('data-total', '200');
  const dropNewest = section(page, 'subscribers').locator('[data-pattern="> (drop-newest)"]');
  await expect.poll(async () => Number(await dropNewest.getAttribute('data-dropped'))).toBeGreaterThan(0);
  await expect(section(page, 'subscribers').locator('[data-pattern="> (block)"]')).toHaveAttribute('data-dropped', '0');
  await screenshot(page, 'memory', 'memory-after-burst', info);
  await screenshot(page, 'inspector', 'inspector-after-burst', info);
});

test('connection state, outbox depth and the queue group’s leading tab agree with the panels', async ({ browser }, info) => {
  const page = await openDemo(browser);
  const band = section(page, 'connection').locator('svg[data-state]');
  await expect(band).toHaveAttribute('data-state', 'connected');
  await expect(band.locator('.if-band rect').first()).toBeVisible();

  const depth = section(page, 'outbox').locator('svg[data-depth]');
  await expect
    .poll(async () => [await depth.getAttribute('data-depth'), await panel(page, 'outbox').getByTestId('outbox-depth').textContent()])
    .toEqual(['0', '0']);
  await expect(depth).toHaveAttribute('data-relay', 'relaying');
  // the outbox is tapped (tap(outbox, …)), not listed as "not tapped": what it stores is counted per subject
  await expect(inspector(page).locator('[data-untapped]')).toHaveCount(0);
  await panel(page, 'outbox').getByTestId('outbox-publish-1').click();
  await expect(section(page, 'subjects').locator('[data-bus="outbox"][data-subject="demo.outbox.orders"]')).toHaveAttribute('data-total', '1');
  await expect(section(page, 'subscribers').locator('[data-bus="outbox"][data-pattern="demo.outbox.orders"]')).toHaveAttribute('data-delivered', '1');

  const me = await panel(page, 'broadcast').getByTestId('tab-id').textContent();
  const leader = section(page, 'leaders').locator('[data-queue="demo-tabs"][data-pattern="demo.jobs"]');
  await expect(leader).toHaveAttribute('data-leader', me!);
  await expect(leader).toHaveAttribute('data-here', 'true');
  // a second tab of the same browser profile queues behind the leader
  const second = await openDemo(browser, page.context());
  await expect(leader).toHaveAttribute('data-standby', '1');
  await expect(section(second, 'leaders').locator('[data-queue="demo-tabs"]')).toHaveAttribute('data-here', 'false');
  await expect(section(second, 'leaders').locator('[data-queue="demo-tabs"]')).toHaveAttribute('data-leader', me!);
  // jobs sent in the second tab: the wiretap of the first tab's broadcast bus counts them delivered here
  await panel(second, 'broadcast').getByTestId('send-jobs').click();
  await expect(panel(page, 'broadcast').getByTestId('handled-here')).toHaveText('10');
  await expect(section(page, 'subscribers').locator('[data-bus="tabs"][data-pattern="demo.jobs"][data-queue="demo-tabs"]')).toHaveAttribute('data-delivered', '10');
  // "who handled the jobs": in both tabs, wide and phone-narrow, the row's tab id, badge and count never overlap
  await second.setViewportSize({ width: 390, height: 844 });
  for (const p of [page, second]) {
    const row = panel(p, 'broadcast').locator(`[data-testid="job-owner"][data-tab="${me!}"]`);
    await expect(row.getByTestId('owner-count')).toHaveText('10 jobs');
    await expect(row.locator('.badge')).toHaveCount(p === page ? 1 : 0);
    // where the text is drawn (a Range), not the element's box: text overflowing its box overlaps too
    const shown = await row.evaluate((li) =>
      [...li.querySelectorAll('code, .badge, .owner-count')].map((el) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        const { left, right, top, bottom } = range.getBoundingClientRect();
        return { left, right, top, bottom };
      }),
    );
    expect(shown.length).toBe(p === page ? 3 : 2);
    for (const [i, a] of shown.entries()) {
      for (const b of shown.slice(i + 1)) expect(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top).toBe(true);
    }
  }
  await second.setViewportSize({ width: 1280, height: 900 });
  // presence (isoflux/presence in the cross-tab panel) lists both tabs
  for (const p of [page, second]) await expect(panel(p, 'broadcast').getByTestId('presence-count')).toHaveText('2');
  // the leader closes: the second tab takes over, and its inspector says so
  const secondId = await panel(second, 'broadcast').getByTestId('tab-id').textContent();
  await page.close();
  await expect(section(second, 'leaders').locator('[data-queue="demo-tabs"]')).toHaveAttribute('data-leader', secondId!);
  await expect(section(second, 'leaders').locator('[data-queue="demo-tabs"]')).toHaveAttribute('data-here', 'true');
  await expect(panel(second, 'broadcast').getByTestId('presence-count')).toHaveText('1');
  await expect(panel(second, 'broadcast').getByTestId('presence-list')).toHaveText(secondId!);
  for (const id of PANELS) await screenshot(second, id, id, info);
});

test('the toggle hides and shows the inspector', async ({ browser }) => {
  const page = await openDemo(browser);
  const toggle = panel(page, 'inspector').getByTestId('inspector-toggle');
  await expect(inspector(page)).toBeVisible();
  await toggle.click();
  await expect(inspector(page)).toBeHidden();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await toggle.click();
  await expect(inspector(page)).toBeVisible();
});

test('a poison message on JetStream shows its attempts and is dead-lettered in seconds; the inspector counts it', async ({ browser }, info) => {
  test.setTimeout(45_000); // the 20 s bound below, plus opening the demo on a loaded machine
  const page = await openDemo(browser);
  const outbox = panel(page, 'outbox');
  await expect(outbox.getByTestId('outbox-target')).toContainText('JetStream');
  await outbox.getByTestId('outbox-poison').click();
  const progress = outbox.getByTestId('outbox-poison-progress');
  // progress from the first moment, then each failed attempt (no stream captures the subject: a timeout)
  await expect(progress).toContainText('attempt 1 of 4 on its way');
  await expect(progress).toContainText(/attempt [1-3] of 4 failed \(timeout\); next try in about \d+ ms/);
  // not the ~35 s of production-like retry settings: 4 attempts of 1.5 s plus 1.75 s of backoff, bounded here
  await expect(progress).toHaveAttribute('data-state', 'dead-lettered', { timeout: 20_000 });
  await expect(outbox.getByTestId('outbox-deadLetters')).toHaveText('1');
  await expect(outbox.getByTestId('dead-letter')).toContainText('after 4 attempt(s) · timeout');
  await expect(inspector(page).locator('.if-kinds')).toHaveAttribute('data-kinds', /dead-lettered 1/);
  await screenshot(page, 'outbox', 'outbox-poison-jetstream', info);
});

test.describe('without nats-server', () => {
  let plain: DemoProcess;
  test.beforeAll(async () => {
    test.setTimeout(90_000);
    plain = await startDemo(['--no-nats']);
  });
  test.afterAll(async () => {
    await stopDemo(plain);
  });

  async function openPlain(browser: Browser): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    await page.goto(plain.url);
    await expect(panel(page, 'nats')).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
    await expect(panel(page, 'nats').getByTestId('embedded-status')).toHaveText('live', { timeout: 20_000 });
    return page;
  }

  test('the NATS panel runs on the demo server’s HTTP endpoint: tabs and Node reach each other', async ({ browser }, info) => {
    // two browser contexts: no BroadcastChannel between them, only the demo server
    const [a, b] = [await openPlain(browser), await openPlain(browser)];
    await expect(panel(a, 'nats').getByTestId('nats-hint')).toContainText('HTTP endpoint');
    const form = panel(a, 'nats').getByTestId('publish-form');
    await form.getByLabel('Subject').fill('demo.chat.e2e');
    await form.getByLabel('JSON payload').fill('{ "from": "tab a" }');
    await form.getByRole('button', { name: 'Publish' }).click();
    await expect(form.getByTestId('publish-status')).toHaveText('published to demo.chat.e2e (the demo server has it)');
    await expect(panel(b, 'nats').getByTestId('log-row').filter({ hasText: 'tab a' })).toHaveCount(1);
    await promisify(execFile)(process.execPath, ['demo/publish.mjs', 'demo.chat.node', '{"from":"node"}', '--demo', plain.url]);
    for (const page of [a, b]) await expect(panel(page, 'nats').getByTestId('log-row').filter({ hasText: '"node"' })).toHaveCount(1);
    await screenshot(b, 'nats', 'nats-embedded', info);
  });
});
