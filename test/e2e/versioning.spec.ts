/**
 * Two builds of one app in two tabs of real Chromium on one broadcast namespace (different pages, different
 * entry modules): build 2 reads build 1's orders upcast to its version; build 1 refuses build 2's orders
 * with a typed version_mismatch and never hands them to its handler as if they were version 1.
 */
import { expect, test } from 'playwright/test';
import { openTabs, type FixtureServer } from './fixtures/serve.js';
import { serveOutboxFixtures } from './fixtures/outbox-serve.js';
import type { VersionedAppApi } from './fixtures/versioning-app.js';

declare global {
  interface Window {
    app: VersionedAppApi;
  }
}

let server: FixtureServer;
test.beforeAll(async () => void (server = await serveOutboxFixtures()));
test.afterAll(async () => server?.close());

test('build 2 upcasts build 1’s messages; build 1 reports build 2’s as version_mismatch, never mis-decodes', async ({ context }) => {
  const ns = `versions${Date.now().toString(36)}`;
  const problems: string[] = [];
  const [v1] = await openTabs(context, `${server.url}versioning-v1.html?ns=${ns}`, 1, problems);
  const [v2] = await openTabs(context, `${server.url}versioning-v2.html?ns=${ns}`, 1, problems);
  expect([await v1!.evaluate(() => window.app.build), await v2!.evaluate(() => window.app.build)]).toEqual(['v1', 'v2']);
  await v1!.evaluate(() => window.app.publish(3));
  await v2!.evaluate(() => window.app.publish(450));

  // (sorted: the two tabs' messages may arrive in either order)
  const byCents = (r: Array<{ payload: unknown }>) => [...r].sort((a, b) => JSON.stringify(a.payload).localeCompare(JSON.stringify(b.payload)));
  await expect.poll(async () => byCents(await v2!.evaluate(() => window.app.received()))).toEqual([
    { payload: { amount: { cents: 300, currency: 'EUR' } }, version: '2' },
    { payload: { amount: { cents: 450, currency: 'USD' } }, version: '2' },
  ]);
  await expect.poll(() => v1!.evaluate(() => window.app.mismatches())).toEqual([['version_mismatch', 'newer', 2, 1]]);
  expect(await v1!.evaluate(() => window.app.received())).toEqual([{ payload: { total: 3 }, version: '1' }]);
  expect(await v2!.evaluate(() => window.app.mismatches())).toEqual([]);
  expect(problems).toEqual([]);
});
