/**
 * Effectively-once processing in real Chromium with a real JetStream consumer: a message is handled and its
 * effect committed to the app's IndexedDB (with the inbox's id in the same transaction), then the page is
 * reloaded before the ack; JetStream redelivers; the inbox skips it. The app's own store shows it applied
 * once, while the control subject without the inbox shows it applied twice (so the redelivery did happen).
 */
import { jetstream } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';
import { expect, test } from 'playwright/test';
import { openTabs } from './fixtures/serve.js';
import { jsm, nats, nc, server, useOutboxWorld } from './fixtures/outbox-world.js';
import type { InboxTabApi } from './fixtures/inbox.js';

declare global {
  interface Window {
    inboxTab: InboxTabApi;
  }
}

useOutboxWorld();

test('handled, reloaded before the ack, redelivered: applied once through the inbox (twice without it)', async ({ context }) => {
  const stream = `inbox${Date.now().toString(36)}`;
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
  const js = jetstream(nc);
  for (const kind of ['inbox', 'plain']) {
    const h = headers();
    h.set('Nats-Msg-Id', `${kind}-1`);
    await js.publish(`${stream}.${kind}`, JSON.stringify({ kind }), { headers: h });
  }
  const problems: string[] = [];
  const [page] = await openTabs(context, `${server.url}inbox.html`, 1, problems);
  const open = (hang: boolean) => page!.evaluate((o) => window.inboxTab.open(o), { wsUrl: nats.wsUrl!, stream, database: stream, hang });
  await open(true);
  const applied = () => page!.evaluate(() => window.inboxTab.applied());
  // both handled and committed; both handlers now hang, so neither message is acked
  await expect.poll(applied).toEqual([
    { id: 'inbox-1', applied: 1, attempt: 1 },
    { id: 'plain-1', applied: 1, attempt: 1 },
  ]);
  await page!.reload();
  await page!.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  await open(false);
  // the ack wait (1.5 s) runs out: JetStream redelivers both to the reloaded page
  await expect.poll(() => page!.evaluate(() => window.inboxTab.attempts()), { timeout: 15_000 }).toEqual({ inbox: [2], plain: [2] });
  await expect.poll(applied).toEqual([
    { id: 'inbox-1', applied: 1, attempt: 1 },
    { id: 'plain-1', applied: 2, attempt: 2 },
  ]);
  expect(await page!.evaluate(() => window.inboxTab.stats())).toMatchObject({ handled: 0, skipped: 1 });
  // the skipped redelivery was acked: nothing is pending on the inbox consumer
  await expect.poll(async () => (await jsm.consumers.info(stream, 'inbox')).num_ack_pending).toBe(0);
  expect(problems).toEqual([]);
});
