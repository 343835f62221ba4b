/**
 * isoflux/playwright against a real page (fixtures/orders-app.ts exposes its buses with exposeBuses):
 * the README's example verbatim, publishing into a page from the test, waiting with a partial payload or
 * a predicate, collecting across several pages, reading an outbox's status, and a clear timeout.
 */
import { test as base, expect } from 'playwright/test';
import { isofluxFixtures, type IsofluxFixtures } from '../../src/playwright/index.js';
import { serveFixtures, type FixtureServer } from './fixtures/serve.js';

const test = base.extend<IsofluxFixtures>(isofluxFixtures);

let server: FixtureServer;
let APP: string;
test.beforeAll(async () => {
  server = await serveFixtures();
  APP = `${server.url}orders-app.html`;
});
test.afterAll(async () => {
  await server.close();
});

// ---- the README example, as it stands there (only APP differs: the README's app is at '/') ----
test('placing an order publishes orders.created; shipping it shows in the page', async ({ page, isoflux }) => {
  await page.goto(APP);
  const orders = isoflux.on(page).bus('orders');

  await page.getByRole('button', { name: 'Place order' }).click();
  const created = await orders.waitFor('orders.created', { id: 'o-1' });
  expect(created.payload).toEqual({ id: 'o-1', total: 10 });

  await orders.publish('orders.shipped', { id: 'o-1' });
  await expect(page.getByTestId('status')).toHaveText('o-1 shipped');
  expect(await orders.published('orders.*')).toHaveLength(2);
  await orders.expectNoDrops();
});
// ---- end of the README example ----

test('the page lists its buses and how each is observed', async ({ page, isoflux }) => {
  await page.goto(APP);
  const buses = await isoflux.on(page).list();
  expect(buses.map((b) => b.name)).toEqual(['orders', 'tabs', 'outbox']);
  expect(buses.find((b) => b.name === 'outbox')).toMatchObject({ canPublish: true, hasOutboxStatus: true });
  expect(buses.find((b) => b.name === 'orders')?.observed).not.toBe('none');
});

test('waitFor takes a predicate, and times out with timeout naming what the bus saw', async ({ page, isoflux }) => {
  await page.goto(APP);
  const orders = isoflux.on(page).bus('orders');
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.getByRole('button', { name: 'Place order' }).click();
  const second = await orders.waitFor<{ total: number }>('orders.created', (payload) => payload.total > 10);
  expect(second.payload).toEqual({ id: 'o-2', total: 20 });

  const error = await orders.waitFor('orders.created', { id: 'o-9' }, { timeoutMs: 300 }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'timeout' });
  expect(String((error as Error).message)).toContain('orders.created');
});

test('across several pages: every tab asked over BroadcastChannel places an order; the kit collects from both', async ({ context, isoflux }) => {
  const ns = `?ns=${Date.now().toString(36)}`;
  const [a, b] = [await context.newPage(), await context.newPage()];
  await a.goto(APP + ns);
  await b.goto(APP + ns);
  const [tabsA, ordersB] = [isoflux.on(a).bus('tabs'), isoflux.on(b).bus('orders')];
  await isoflux.on(b).bus('tabs').ready();

  // a broadcast bus delivers to its own tab too: both tabs place an order
  await tabsA.publish('tabs.orders.place', {});
  await ordersB.waitFor('orders.created', { id: 'o-1' });
  await isoflux.on(a).bus('orders').waitFor('orders.created', { id: 'o-1' });

  const created = await isoflux.published('orders.created');
  expect(created.map((m) => [m.page === b ? 'b' : 'a', m.bus, m.payload]).sort()).toEqual([
    ['a', 'orders', { id: 'o-1', total: 10 }],
    ['b', 'orders', { id: 'o-1', total: 10 }],
  ]);
});

test('an outbox: publish into it from the test, see it relayed, read its status', async ({ page, isoflux }) => {
  await page.goto(APP);
  const buses = isoflux.on(page);
  await buses.bus('outbox').publish('orders.created', { id: 'o-7' }, { id: 'o-7' });
  const relayed = await buses.bus('orders').waitFor('orders.created', { id: 'o-7' });
  expect(relayed.id).toBe('o-7');
  await expect.poll(async () => (await buses.bus('outbox').outboxStatus<{ depth: number; delivered: number }>()).delivered).toBe(1);
  expect(await buses.bus('outbox').outboxStatus()).toMatchObject({ depth: 0, deadLetters: 0, relay: 'relaying' });
});

test.describe('a bus the page did not expose', () => {
  test.use({ isofluxOptions: { readyTimeoutMs: 500 } });
  test('fails with timeout, naming the buses it did expose', async ({ page, isoflux }) => {
    await page.goto(APP);
    const error = await isoflux
      .on(page)
      .bus('nope')
      .publish('x', 1)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'timeout', message: expect.stringContaining('it exposed "orders", "tabs", "outbox"') });
  });
});
