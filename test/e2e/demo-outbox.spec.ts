/**
 * The demo's outbox panel on a machine without nats-server (`demo/serve.mjs --no-nats`): it relays to the demo
 * server's own isoflux HTTP endpoint, and still shows durability: messages published while that broker is
 * away wait in IndexedDB, survive a reload, and each arrives once when it is back; a poison message shows its
 * attempts and ends in the dead letters. Its own demo process, because it takes the broker away. The outbox's
 * own status is read through isoflux/playwright (the panel's cells must show the same).
 */
import type { OutboxStatus } from '../../src/outbox/index.js';
import type { IsofluxKit } from '../../src/playwright/index.js';
import { startDemo, stopDemo, type DemoProcess } from './fixtures/demo-process.js';
import { expect, test, type BrowserContext, type Page } from './fixtures/isoflux.js';

test.describe.configure({ mode: 'serial' });

let demo: DemoProcess;
let context: BrowserContext;
let problems: string[];

interface BusStats {
  running: boolean;
  stored: number;
  duplicates: number;
}
const busStats = async (): Promise<BusStats> => (await (await fetch(`${demo.url}/__demo/bus-stats`)).json()) as BusStats;

test.beforeAll(async () => {
  test.setTimeout(90_000); // bounds startDemo's own readiness wait
  demo = await startDemo(['--no-nats']);
});
test.afterAll(async () => {
  await stopDemo(demo);
});
test.beforeEach(async ({ browser }) => {
  // a fresh context per test: its own IndexedDB, so each test starts with an empty outbox
  context = await browser.newContext();
  problems = [];
});
test.afterEach(async () => {
  await context.close();
  // Chromium logs each refused POST as a failed resource: 503 while the broker is away, 404 for the poison
  // message's subject (no subscription). Expected here; anything else is a failure.
  expect(problems.filter((p) => !/Failed to load resource: the server responded with a status of (503|404)/.test(p))).toEqual([]);
});

const outbox = (page: Page) => page.locator('[data-panel="outbox"]');
/** The outbox's status as the outbox itself reports it (refreshed now). */
const statusOf = (isoflux: IsofluxKit, page: Page): Promise<OutboxStatus> => isoflux.on(page).bus('outbox').outboxStatus<OutboxStatus>();
const cell = (page: Page, key: string) => outbox(page).getByTestId(`outbox-${key}`);

/** Opens the demo; `relay` is what the relay cell must settle on (paused while the broker is away). */
async function openDemo(relay: 'relaying' | 'paused' = 'relaying'): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  await page.goto(demo.url);
  await expect(outbox(page)).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
  await expect(cell(page, 'relay')).toHaveText(relay);
  return page;
}

test('without nats-server the outbox relays to the demo server’s HTTP endpoint; the NATS panel says why', async ({ isoflux }) => {
  const page = await openDemo();
  await expect(outbox(page).getByTestId('outbox-target')).toContainText('HTTP endpoint');
  await expect(page.locator('[data-panel="nats"]').getByTestId('nats-status')).toHaveText('unavailable');
  await expect(page.locator('[data-panel="nats"]').getByTestId('nats-hint')).toContainText('--no-nats');
  // the shared-connection panel has nothing to share: it says so, and does not claim to be electing a leader
  const shared = page.locator('[data-panel="connection"]');
  await expect(shared.getByTestId('shared-state')).toHaveText('unavailable');
  await expect(shared.getByTestId('shared-role')).toHaveText('none (no connection to share)');
  await expect(shared.getByTestId('shared-hint')).toContainText('--no-nats');

  // styled, not the browser's default list of labels: the status is a grid of cards side by side
  const grid = outbox(page).locator('dl.outbox-status');
  await expect(grid).toHaveCSS('display', 'grid');
  const [relayBox, depthBox] = await Promise.all(['relay', 'depth'].map((key) => cell(page, key).locator('xpath=..').boundingBox()));
  expect(relayBox && depthBox && Math.abs(relayBox.y - depthBox.y) < 1 && depthBox.x >= relayBox.x + relayBox.width).toBe(true);
  await expect(outbox(page).locator('.group-title')).toHaveText(['Publish', 'Broker', 'Dead letters']);

  const before = (await busStats()).stored;
  await outbox(page).getByTestId('outbox-publish-1').click();
  await expect(cell(page, 'delivered')).toHaveText('1');
  await expect(cell(page, 'depth')).toHaveText('0');
  expect(await statusOf(isoflux, page)).toMatchObject({ delivered: 1, depth: 0, deadLetters: 0, relay: 'relaying' });
  expect((await busStats()).stored).toBe(before + 1);
  await expect(cell(page, 'held')).toHaveText(String(before + 1));
});

test('broker taken away: messages wait in IndexedDB across a reload, then each arrives once', async ({ isoflux }) => {
  test.setTimeout(120_000);
  let page = await openDemo();
  const before = (await busStats()).stored;
  await outbox(page).getByTestId('outbox-broker-stop').click();
  await expect(outbox(page).locator('[data-broker]')).toHaveAttribute('data-broker', 'down');
  await expect(cell(page, 'relay')).toHaveText('paused');

  await outbox(page).getByTestId('outbox-publish-1000').click();
  await expect(outbox(page).getByTestId('outbox-note')).toContainText('1,000 messages stored');
  await expect(cell(page, 'depth')).toHaveText('1000');

  // a reload while the broker is away: the messages are in IndexedDB, not in the page
  await page.close();
  page = await openDemo('paused');
  await expect(cell(page, 'depth')).toHaveText('1000');
  expect(await statusOf(isoflux, page)).toMatchObject({ depth: 1000, relay: 'paused' });
  expect((await busStats()).stored).toBe(before);

  await outbox(page).getByTestId('outbox-broker-start').click();
  // the readiness signal is the drain itself: depth reaches 0 (bounded by the test timeout)
  await expect(cell(page, 'depth')).toHaveText('0', { timeout: 100_000 });
  const after = await busStats();
  expect(after.stored).toBe(before + 1000);
  await expect(cell(page, 'deadLetters')).toHaveText('0');
  expect(await statusOf(isoflux, page)).toMatchObject({ depth: 0, deadLetters: 0, delivered: 1000 });
});

test('a poison message shows each attempt, then lands in the dead letters; retry and discard work', async ({ isoflux }) => {
  const page = await openDemo();
  await outbox(page).getByTestId('outbox-poison').click();
  const progress = outbox(page).getByTestId('outbox-poison-progress');
  await expect(progress).toBeVisible();
  await expect(progress).toContainText(/attempt [1-3] of 4 failed \(no_responders\)/);
  await expect(progress).toHaveAttribute('data-state', 'dead-lettered', { timeout: 20_000 });
  await expect(cell(page, 'deadLetters')).toHaveText('1');
  expect(await statusOf(isoflux, page)).toMatchObject({ deadLetters: 1, deadLettered: 1 });
  const letter = outbox(page).getByTestId('dead-letter');
  await expect(letter).toHaveCount(1);
  await expect(letter).toContainText('demo.nostream.poison');
  await expect(letter).toContainText('after 4 attempt(s)');

  // the rest keeps flowing meanwhile
  await outbox(page).getByTestId('outbox-publish-1').click();
  await expect(cell(page, 'depth')).toHaveText('0');

  await outbox(page).getByTestId('outbox-discard').click();
  await expect(cell(page, 'deadLetters')).toHaveText('0');
  expect((await statusOf(isoflux, page)).deadLetters).toBe(0);
  await expect(letter).toHaveCount(0);
});
