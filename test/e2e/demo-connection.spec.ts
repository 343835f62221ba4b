/**
 * The demo's shared-connection panel between three real tabs: one tab leads (holds the NATS connection),
 * the others follow; a message published in one tab arrives in the others; closing the leader tab hands
 * the connection to another tab and the state line comes back to connected, with the subscriptions.
 */
import { expect, test, type BrowserContext, type Page } from 'playwright/test';

const panel = (page: Page) => page.locator('[data-panel="connection"]');
const SERVER_CLOSE_FRAME = /^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed: Received a broken close frame containing a reserved status code\.$/;

let context: BrowserContext;
let problems: string[];

test.beforeEach(async ({ browser }) => {
  context = await browser.newContext();
  problems = [];
});
test.afterEach(async () => {
  // checked before closing: pages torn down with the context may log their sockets' goodbyes
  const seen = [...problems];
  await context.close();
  expect(seen).toEqual([]);
});

async function openTab(): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Chromium's complaint about nats-server 2.9's answer to a closing WebSocket (a reserved status code in
    // its close frame), logged when the tab that hands over closes its NATS connection: not an isoflux error
    if (message.type() === 'error' && !SERVER_CLOSE_FRAME.test(message.text())) problems.push(`console.error: ${message.text()}`);
  });
  await page.goto('/');
  await expect(panel(page)).toHaveAttribute('data-ready', 'true', { timeout: 20_000 });
  await expect(panel(page).getByTestId('shared-state')).toHaveText('connected', { timeout: 20_000 });
  return page;
}

async function publish(page: Page, subject: string, payload: string): Promise<void> {
  const form = panel(page).getByTestId('publish-form');
  await form.getByLabel('Subject').fill(subject);
  await form.getByLabel('JSON payload').fill(payload);
  await form.getByRole('button', { name: 'Publish' }).click();
  await expect(form.getByTestId('publish-status')).toContainText(`published to ${subject}`);
}

const rowPayloads = (page: Page) => panel(page).getByTestId('log-row').locator('.payload');

test('three tabs share one connection; closing the leader tab hands it over', async () => {
  const first = await openTab();
  const second = await openTab();
  const third = await openTab();
  await expect(panel(first).getByTestId('shared-role')).toHaveText('leader');
  await expect(panel(second).getByTestId('shared-role')).toHaveText('follower');
  await expect(panel(third).getByTestId('shared-role')).toHaveText('follower');

  await publish(second, 'demo.shared.before', '{ "n": 1 }');
  await expect(rowPayloads(third)).toContainText(['{"n":1}']);

  await first.close();
  const roles = async (): Promise<string[]> => [await panel(second).getByTestId('shared-role').textContent(), await panel(third).getByTestId('shared-role').textContent()].map(String).sort();
  await expect.poll(roles).toEqual(['follower', 'leader']);
  for (const page of [second, third]) {
    await expect(panel(page).getByTestId('shared-state')).toHaveText('connected');
    await expect(panel(page).getByTestId('shared-leaders')).toHaveText('2');
  }
  // the followers' subscriptions came back on the new leader
  await publish(third, 'demo.shared.after', '{ "n": 2 }');
  await expect(rowPayloads(second)).toContainText(['{"n":2}']);
  await panel(second).screenshot({ path: '.tmp-notes/leader-demo-connection.png' });

  // "Hand over" on the new leader: the other tab leads next
  const leader = (await panel(second).getByTestId('shared-role').textContent()) === 'leader' ? second : third;
  const other = leader === second ? third : second;
  await panel(leader).getByTestId('shared-hand-over').click();
  await expect(panel(other).getByTestId('shared-role')).toHaveText('leader');
  await expect(panel(leader).getByTestId('shared-role')).toHaveText('follower');
  await expect(panel(leader).getByTestId('shared-state')).toHaveText('connected');
});
