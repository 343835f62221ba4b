/**
 * Resume after reload in real Chromium: a page's resumable JetStream subscription keeps its position in
 * IndexedDB; after a reload it resumes after it, and when the stream (max_msgs 5) discarded what came
 * next while the page was away, the page gets a typed gap with the missing range.
 */
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { expect, test } from 'playwright/test';
import { startNatsServer, type NatsServer } from '../setup/nats-server.mjs';
import type { ResumeTabApi } from '../browser/fixtures/resume-tab.js';
import { openTabs, serveFixtures, type FixtureServer } from './fixtures/serve.js';

declare global {
  interface Window {
    resumeTab: ResumeTabApi;
  }
}

let server: FixtureServer;
let nats: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;

test.beforeAll(async () => {
  [server, nats] = await Promise.all([serveFixtures(), startNatsServer({ jetstream: true, websocket: true })]);
  nc = await connect({ servers: nats.tcpUrl });
  jsm = await jetstreamManager(nc);
});
test.afterAll(async () => {
  await nc?.close();
  await Promise.all([server?.close(), nats?.dispose()]);
});

test('a reload resumes after the saved sequence; a discarded range arrives as a gap', async ({ browser }) => {
  const context = await browser.newContext();
  const problems: string[] = [];
  await jsm.streams.add({ name: 'FEED', subjects: ['feed.>'], max_msgs: 5 });
  const js = jetstream(nc);
  const publish = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) await js.publish('feed.e', JSON.stringify(i));
  };
  await publish(3);
  const url = `${server.url}@fs${decodeURI(new URL('../browser/fixtures/resume-tab.html', import.meta.url).pathname)}?ws=${encodeURIComponent(nats.wsUrl!)}&stream=FEED&subject=feed.>`;
  const [page] = await openTabs(context, url, 1, problems);
  const tab = page!;

  // first load: nothing saved, everything from the start
  expect(await tab.evaluate(() => window.resumeTab.started)).toBeNull();
  await expect.poll(() => tab.evaluate(() => window.resumeTab.received())).toEqual([1, 2, 3]);
  expect(await tab.evaluate(() => window.resumeTab.flush())).toBe(3);

  // a reload: resumes after 3, replays nothing
  await tab.reload();
  expect(await tab.evaluate(() => window.resumeTab.started)).toBe(3);
  await tab.evaluate(() => window.resumeTab.flush());
  expect(await tab.evaluate(() => window.resumeTab.received())).toEqual([]);

  // away while two new messages arrive: the next load gets exactly those, no gap
  await tab.goto('about:blank');
  await publish(2);
  await tab.goto(url);
  expect(await tab.evaluate(() => window.resumeTab.started)).toBe(3);
  await expect.poll(() => tab.evaluate(() => window.resumeTab.received())).toEqual([4, 5]);
  expect(await tab.evaluate(() => window.resumeTab.gaps())).toEqual([]);
  expect(await tab.evaluate(() => window.resumeTab.flush())).toBe(5);

  // away while ten more arrive: the stream keeps 11…15, so 6…10 are a gap, reported before 11
  await tab.goto('about:blank');
  await publish(10);
  await tab.goto(url);
  expect(await tab.evaluate(() => window.resumeTab.started)).toBe(5);
  await expect.poll(() => tab.evaluate(() => window.resumeTab.received())).toEqual([11, 12, 13, 14, 15]);
  expect(await tab.evaluate(() => window.resumeTab.gaps())).toEqual([{ type: 'gap', reason: 'discarded', stream: 'FEED', key: 'feed', from: 6, to: 10 }]);
  await context.close();
  expect(problems).toEqual([]);
});
