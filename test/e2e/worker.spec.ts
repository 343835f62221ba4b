/**
 * The worker transport between real Chromium tabs: one SharedWorker serves every tab of the origin; a tab
 * that closes (without saying goodbye) has its subscriptions released in the worker; and a SharedWorker
 * hosting a NATS bus serves several tabs over one server connection.
 */
import { expect, test, type BrowserContext } from 'playwright/test';
import { startNatsServer, type NatsServer } from '../setup/nats-server.mjs';
import { openTabs, serveFixtures, type FixtureServer } from './fixtures/serve.js';
import type { WorkerTabApi } from './fixtures/worker-tab.js';

declare global {
  interface Window {
    workerTab: WorkerTabApi;
  }
}

let server: FixtureServer;
let nats: NatsServer;
let context: BrowserContext;
let problems: string[];

test.beforeAll(async () => {
  [server, nats] = await Promise.all([serveFixtures(), startNatsServer({ jetstream: false, websocket: true })]);
});
test.afterAll(async () => {
  await Promise.all([server.close(), nats.dispose()]);
});
test.beforeEach(async ({ browser }) => {
  context = await browser.newContext();
  problems = [];
});
test.afterEach(async () => {
  await context.close();
  expect(problems).toEqual([]);
});

/** Client connections the nats-server has now (its monitoring endpoint). */
async function natsConnections(): Promise<number> {
  const connz = (await (await fetch(`${nats.monitorUrl}/connz`)).json()) as { num_connections: number };
  return connz.num_connections;
}

test('one SharedWorker bus serves every tab; a closed tab’s subscriptions are released in the worker', async () => {
  const [a, b, c] = await openTabs(context, `${server.url}worker-tab.html`, 3, problems);
  for (const tab of [a!, b!, c!]) await tab.evaluate(() => window.workerTab.connect());
  await b!.evaluate(() => window.workerTab.respond('svc.b'));
  await c!.evaluate(() => window.workerTab.subscribe('news.>'));
  await c!.evaluate(() => window.workerTab.subscribe('alerts.*'));
  expect(await a!.evaluate(() => window.workerTab.hostStats())).toEqual({ sessions: 3, subscriptions: 3 });

  await a!.evaluate(() => window.workerTab.publish('news.today', 'hello'));
  await expect.poll(() => c!.evaluate(() => window.workerTab.received('news.>'))).toEqual(['hello']);
  expect(await a!.evaluate(() => window.workerTab.request('svc.b', 1))).toMatchObject({ echo: 1 });

  await c!.close(); // no goodbye: its lifetime lock tells the worker
  await expect.poll(() => a!.evaluate(() => window.workerTab.hostStats())).toEqual({ sessions: 2, subscriptions: 1 });
  await b!.close();
  await expect.poll(() => a!.evaluate(() => window.workerTab.hostStats())).toEqual({ sessions: 1, subscriptions: 0 });
  expect(await a!.evaluate(() => window.workerTab.request('svc.b', 1))).toEqual({ error: 'no_responders' });
});

test('a SharedWorker hosting a NATS bus serves two tabs over one connection', async () => {
  const before = await natsConnections();
  const url = `${server.url}worker-tab.html?nats=${encodeURIComponent(nats.wsUrl!)}`;
  const [a, b] = await openTabs(context, url, 2, problems);
  for (const tab of [a!, b!]) await tab.evaluate(() => window.workerTab.connect());
  await b!.evaluate(() => window.workerTab.subscribe('chat.*'));
  await b!.evaluate(() => window.workerTab.respond('svc.echo'));
  await a!.evaluate(() => window.workerTab.publish('chat.room', { from: 'a' }));
  await expect.poll(() => b!.evaluate(() => window.workerTab.received('chat.*'))).toEqual([{ from: 'a' }]);
  expect(await a!.evaluate(() => window.workerTab.request('svc.echo', 'ping'))).toMatchObject({ echo: 'ping' });
  expect(await natsConnections()).toBe(before + 1);

  // Every tab closed: the SharedWorker ends, and so does its one connection.
  await a!.close();
  await b!.close();
  await expect.poll(natsConnections, { timeout: 10_000 }).toBe(before);
});
