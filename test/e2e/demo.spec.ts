/**
 * The demo page in real Chromium: the memory panel publishes through its form, shows typed errors for bad
 * input, and its four overflow-policy subscribers behave differently under a burst. What the bus did is
 * read from the bus itself (isoflux/playwright); the DOM checks are for what the page shows.
 */
import { expect, test, type Page } from './fixtures/isoflux.js';

type Policy = 'block' | 'drop-newest' | 'drop-oldest' | 'disconnect';
type Stat = 'delivered' | 'dropped' | 'pending' | 'last' | 'status' | 'drop-note';

const memory = (page: Page) => page.locator('[data-panel="memory"]');
const stat = (page: Page, policy: Policy, name: Stat) => memory(page).locator(`[data-policy="${policy}"] [data-stat="${name}"]`);
const count = async (page: Page, policy: Policy, name: Stat): Promise<number> => Number(await stat(page, policy, name).textContent());

async function publish(page: Page, subject: string, payload: string): Promise<void> {
  const form = memory(page).getByTestId('publish-form');
  await form.getByLabel('Subject').fill(subject);
  await form.getByLabel('JSON payload').fill(payload);
  await form.getByRole('button', { name: 'Publish' }).click();
}

/** Uncaught exceptions and console errors of the current test's page: the demo must produce none. */
let pageProblems: string[] = [];

test.beforeEach(async ({ page }) => {
  pageProblems = [];
  page.on('pageerror', (error) => pageProblems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageProblems.push(`console.error: ${message.text()}`);
  });
  await page.goto('/');
  // the panel's readiness signal; the bound is generous because a loaded machine transforms src/ slowly
  await expect(memory(page)).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
});

test.afterEach(() => {
  expect(pageProblems).toEqual([]);
});

test('a message published through the form appears in the live log and reaches every subscriber', async ({ page, isoflux }) => {
  const bus = isoflux.on(page).bus('memory');
  await publish(page, 'orders.e2e', '{ "n": 7, "tags": ["a"] }');
  const published = await bus.waitFor('orders.e2e', { n: 7, tags: ['a'] }, { kinds: ['published'] });
  // the live log and the four policy lanes: five subscriptions, each handed the same message
  await expect.poll(async () => (await bus.delivered('orders.e2e')).map((e) => e.id)).toEqual(Array(5).fill(published.id));
  expect(await bus.published()).toHaveLength(1);

  const row = memory(page).getByTestId('log-row').first();
  await expect(row.locator('.subject')).toHaveText('orders.e2e');
  await expect(row.locator('.payload')).toHaveText('{"n":7,"tags":["a"]}');
  await expect(memory(page).getByTestId('log-count')).toHaveText('1');
  await expect(memory(page).getByTestId('published-count')).toHaveText('1');
  await expect(memory(page).getByTestId('publish-error')).toBeHidden();
  for (const policy of ['block', 'drop-newest', 'drop-oldest', 'disconnect'] as const) {
    await expect(stat(page, policy, 'delivered')).toHaveText('1');
    await expect(stat(page, policy, 'last')).toHaveText('{"n":7,"tags":["a"]}');
  }
});

test('an invalid subject shows invalid_subject in the page and publishes nothing', async ({ page, isoflux }) => {
  const bus = isoflux.on(page).bus('memory');
  await publish(page, 'orders.*', '{}');

  await expect(memory(page).getByTestId('publish-error-code')).toHaveText('invalid_subject');
  await expect(memory(page).getByTestId('publish-error-message')).toContainText('orders.*');
  await expect(memory(page).getByTestId('published-count')).toHaveText('0');
  await expect(memory(page).getByTestId('log-rows').locator('li')).toHaveCount(0);

  // the page keeps working: a valid publish clears the error; the bus saw only that one
  await publish(page, 'orders.ok', '1');
  await bus.waitFor('orders.ok', 1, { kinds: ['published'] });
  await expect(memory(page).getByTestId('publish-error')).toBeHidden();
  await expect(memory(page).getByTestId('log-count')).toHaveText('1');
  expect((await bus.published()).map((e) => e.subject)).toEqual(['orders.ok']);
});

test('invalid JSON shows decode_failed with the parser detail', async ({ page, isoflux }) => {
  await publish(page, 'orders.created', '{ "id": ');

  await expect(memory(page).getByTestId('publish-error-code')).toHaveText('decode_failed');
  await expect(memory(page).getByTestId('publish-error-message')).toContainText('json');
  await expect(memory(page).getByTestId('published-count')).toHaveText('0');
  expect(await isoflux.on(page).bus('memory').published()).toEqual([]);
});

test('a burst of 200: block delivers all, drop-newest keeps the first, drop-oldest the latest, disconnect closes', async ({ page, isoflux }) => {
  const bus = isoflux.on(page).bus('memory');
  await memory(page).getByTestId('burst').click();

  await expect(memory(page).getByTestId('log-count')).toHaveText('200');
  await expect(memory(page).getByTestId('published-count')).toHaveText('200');

  // 200 messages at a 10 ms handler: the block lane needs about 2 s to work through them
  await expect.poll(() => count(page, 'block', 'delivered'), { timeout: 15_000 }).toBe(200);
  await expect(stat(page, 'block', 'dropped')).toHaveText('0');
  await expect(stat(page, 'block', 'pending')).toHaveText('0');
  await expect(stat(page, 'block', 'last')).toHaveText('{"seq":200}');
  await expect(memory(page).getByTestId('burst-status')).toContainText('200 messages accepted');
  await expect(memory(page).getByTestId('burst')).toBeEnabled();

  for (const policy of ['drop-newest', 'drop-oldest'] as const) {
    await expect.poll(() => count(page, policy, 'pending')).toBe(0);
    const delivered = await count(page, policy, 'delivered');
    const dropped = await count(page, policy, 'dropped');
    expect(dropped).toBeGreaterThan(0);
    expect(delivered + dropped).toBe(200);
    await expect(stat(page, policy, 'status')).toHaveText('live');
  }
  await expect(stat(page, 'drop-oldest', 'last')).toHaveText('{"seq":200}');
  await expect(stat(page, 'drop-newest', 'last')).not.toHaveText('{"seq":200}');

  await expect(stat(page, 'disconnect', 'status')).toHaveText('closed: slow_consumer');
  expect(await count(page, 'disconnect', 'delivered')).toBeLessThan(200);
  expect(await count(page, 'disconnect', 'dropped')).toBeGreaterThanOrEqual(50);
  // the card's count agrees with its text ("50 drops in a row"): the note splits `dropped` into the 50 the
  // policy dropped and what was still buffered when it closed (at most the buffer size, 8)
  const note = stat(page, 'disconnect', 'drop-note');
  await expect(note).toBeVisible();
  await expect(memory(page).locator('[data-policy="disconnect"]')).toContainText('50 drops in a row');
  await expect
    .poll(async () => {
      const parts = /^(\d+) dropped = (\d+) by the policy \+ (\d+) still in the buffer when it closed$/.exec((await note.textContent()) ?? '');
      const dropped = await count(page, 'disconnect', 'dropped');
      return parts !== null && Number(parts[1]) === dropped && Number(parts[2]) === 50 && Number(parts[2]) + Number(parts[3]) === dropped && Number(parts[3]) <= 8;
    })
    .toBe(true);

  // the bus agrees with the cards: 200 published, and as many drops reported as the lanes count together
  expect(await bus.published('demo.burst')).toHaveLength(200);
  // (polled: a card repaints on its own schedule, so its figure may trail the last drop for a moment)
  const lanesDropped = async (): Promise<number> => {
    const counts = await Promise.all((['block', 'drop-newest', 'drop-oldest', 'disconnect'] as const).map((p) => count(page, p, 'dropped')));
    return counts.reduce((a, b) => a + b, 0);
  };
  const busDropped = async (): Promise<number> => (await bus.events()).filter((e) => e.kind === 'dropped' && e.subject === 'demo.burst').length;
  await expect.poll(async () => (await busDropped()) - (await lanesDropped())).toBe(0);
  expect(await busDropped()).toBeGreaterThan(50);

  // Reset gives fresh subscriptions: the disconnected one is live again and counts from zero
  await memory(page).getByTestId('reset').click();
  await expect(stat(page, 'disconnect', 'status')).toHaveText('live');
  await expect(note).toBeHidden();
  await publish(page, 'after.reset', '"again"');
  await expect(stat(page, 'disconnect', 'delivered')).toHaveText('1');
  await expect(stat(page, 'disconnect', 'dropped')).toHaveText('0');
  await expect(stat(page, 'disconnect', 'last')).toHaveText('"again"');
});
