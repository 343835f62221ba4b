/**
 * One NATS connection per origin without SharedWorker, between three real Chromium tabs and a real
 * nats-server: the first tab leads; two followers publish into JetStream (server-acknowledged, with
 * `Nats-Msg-Id`) while the leader is killed — closed, or crashed through CDP `Page.crash`. Everything is
 * counted: every acknowledged publish is in the stream exactly once, the server saw one client connection
 * at a time, a follower's subscription keeps receiving, and the takeover time is measured.
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { expect, test, type BrowserContext, type Page } from 'playwright/test';
import { startNatsServer, type NatsServer } from '../setup/nats-server.mjs';
import type { Ack, LeaderTabApi } from '../browser/fixtures/leader-tab.js';
import { openTabs, serveFixtures, type FixtureServer } from './fixtures/serve.js';

declare global {
  interface Window {
    leaderTab: LeaderTabApi;
  }
}

let server: FixtureServer;
let nats: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
let context: BrowserContext;
let problems: string[];
let streams = 0;

test.beforeAll(async () => {
  [server, nats] = await Promise.all([serveFixtures(), startNatsServer({ jetstream: true, websocket: true })]);
  nc = await connect({ servers: nats.tcpUrl });
  jsm = await jetstreamManager(nc);
});
test.afterAll(async () => {
  await nc?.close();
  await Promise.all([server?.close(), nats?.dispose()]);
});
test.beforeEach(async ({ browser }) => {
  context = await browser.newContext();
  problems = [];
});
test.afterEach(async () => {
  await context.close();
  // a crashed page reports nothing; the survivors must have logged no error
  expect(problems).toEqual([]);
});

/** Client connections the nats-server has now, other than this spec's own. */
async function browserConnections(): Promise<number> {
  const connz = (await (await fetch(`${nats.monitorUrl}/connz`)).json()) as { num_connections: number };
  return connz.num_connections - 1;
}

/** Every message id stored in `stream`, with how often it is there. */
async function storedIds(stream: string): Promise<Map<string, number>> {
  const info = await jsm.streams.info(stream);
  const ids = new Map<string, number>();
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    const id = m?.header.get('Nats-Msg-Id') ?? '';
    ids.set(id, (ids.get(id) ?? 0) + 1);
  }
  return ids;
}

async function threeTabs(stream: string): Promise<Page[]> {
  await jsm.streams.add({ name: stream, subjects: [`js.${stream}.>`] });
  const url = `${server.url}@fs${decodeURI(new URL('../browser/fixtures/leader-tab.html', import.meta.url).pathname)}?ws=${encodeURIComponent(nats.wsUrl!)}&stream=${stream}`;
  const tabs = await openTabs(context, url, 3, problems);
  const roles: string[] = [];
  for (const tab of tabs) roles.push(await tab.evaluate(() => window.leaderTab.connect()));
  expect(roles).toEqual(['leader', 'follower', 'follower']);
  await expect.poll(browserConnections).toBe(1);
  // every tab of the test runs unthrottled (Playwright shows each page as visible): no timing depends on focus
  for (const tab of tabs) expect(await tab.evaluate(() => window.leaderTab.stats().visibility)).toBe('visible');
  return tabs;
}

/** Runs traffic from both followers, kills the leader with `kill`, and checks and measures what happened. */
async function killMidTraffic(stream: string, kill: (leader: Page) => Promise<void>): Promise<{ takeoverMs: number; acked: number; resent: number }> {
  const [leader, b, c] = (await threeTabs(stream)) as [Page, Page, Page];
  await c.evaluate(() => window.leaderTab.subscribe('core.>'));
  await c.evaluate((s) => window.leaderTab.subscribe(`js.${s}.b`), stream);
  await c.evaluate(() => window.leaderTab.respond('svc.c'));
  for (const [tab, name] of [
    [b, 'b'],
    [c, 'c'],
  ] as const)
    await tab.evaluate(([s, n]) => window.leaderTab.startPublishing(`js.${s}.${n}`, n, 8), [stream, name] as const);
  // mid-traffic: both followers have had publishes acknowledged through the first leader
  await expect.poll(() => b.evaluate(() => window.leaderTab.acks().length), { timeout: 20_000 }).toBeGreaterThan(100);
  await expect.poll(() => c.evaluate(() => window.leaderTab.acks().length), { timeout: 20_000 }).toBeGreaterThan(100);
  const killedAt = Date.now();
  await kill(leader);
  const consumedAtKill = (await c.evaluate((s) => window.leaderTab.received(`js.${s}.b`), stream)).length;
  // traffic goes on through the new leader
  for (const tab of [b, c])
    await expect.poll(() => tab.evaluate(() => window.leaderTab.acks().filter((a) => a.leaders >= 2).length), { timeout: 20_000 }).toBeGreaterThan(100);
  const results = await Promise.all([b, c].map((tab) => tab.evaluate(() => window.leaderTab.stop())));
  const roles = await Promise.all([b, c].map((tab) => tab.evaluate(() => window.leaderTab.role())));
  expect(roles.sort()).toEqual(['follower', 'leader']);

  // Counted: every publish acknowledged, each stored once (re-sends de-duplicated by Nats-Msg-Id).
  const ids = await storedIds(stream);
  const acks: Ack[] = results.flatMap((r) => r.acks);
  for (const r of results) {
    expect(r.failed).toEqual([]);
    expect(r.acks).toHaveLength(r.sent);
  }
  for (const ack of acks) expect(ids.get(ack.id), ack.id).toBe(1);
  expect(ids.size).toBe(acks.length);
  await expect.poll(browserConnections).toBe(1);

  // The follower's subscriptions keep receiving after the takeover, core and JetStream; requests work.
  const core = (await c.evaluate(() => window.leaderTab.received('core.>'))).length;
  await b.evaluate(() => window.leaderTab.publish('core.after', 'x'));
  await expect.poll(() => c.evaluate(() => window.leaderTab.received('core.>').length)).toBe(core + 1);
  // the JetStream subscription was re-created on the new leader and consumed b's later publishes
  expect((await c.evaluate((s) => window.leaderTab.received(`js.${s}.b`), stream)).length).toBeGreaterThan(consumedAtKill + 50);
  expect(await b.evaluate(() => window.leaderTab.request('svc.c', 7))).toMatchObject({ echo: 7 });

  const firstAfter = Math.min(...acks.filter((a) => a.leaders >= 2).map((a) => a.at));
  const resent = (await Promise.all([b, c].map((tab) => tab.evaluate(() => window.leaderTab.stats().resent)))).reduce((x, y) => x + y, 0);
  return { takeoverMs: firstAfter - killedAt, acked: acks.length, resent };
}

test.describe.configure({ timeout: 90_000 });

test('leader tab closed mid-traffic: a follower takes over, every acknowledged publish stored once', async () => {
  const { takeoverMs, acked, resent } = await killMidTraffic(`CLOSED${++streams}`, (leader) => leader.close());
  console.log(
    `leader closed: takeover ${takeoverMs} ms (kill → first publish acknowledged by the new leader), ${acked} publishes acknowledged, ${resent} re-sent`,
  );
  // The figure is the measurement (README); the bound only catches a handover that waits for a timeout.
  expect(takeoverMs).toBeLessThan(5000);
});

test('leader tab crashed mid-traffic (CDP Page.crash): same counts, takeover measured', async () => {
  const { takeoverMs, acked, resent } = await killMidTraffic(`CRASHED${++streams}`, async (leader) => {
    const cdp = await context.newCDPSession(leader);
    // the page dies with the call: its answer never comes
    void cdp.send('Page.crash').catch(() => undefined);
    await expect
      .poll(() =>
        leader
          .evaluate(() => 1)
          .then(
            () => 'alive',
            () => 'dead',
          ),
      )
      .toBe('dead');
  });
  console.log(
    `leader crashed: takeover ${takeoverMs} ms (kill → first publish acknowledged by the new leader), ${acked} publishes acknowledged, ${resent} re-sent`,
  );
  expect(takeoverMs).toBeLessThan(5000);
});
