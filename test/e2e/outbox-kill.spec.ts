/**
 * Kill anywhere: a seeded random history of enqueues, each followed by a kill at a random point — while the
 * tab is still enqueueing, while the relay sends, after the stream stored a message but before the outbox
 * removed it — either of the tab's renderer (CDP `Page.crash`) or of the whole browser (SIGKILL of its
 * process group), against real Chromium (a profile on disk, real IndexedDB) and a real nats-server. The
 * checker reads the real stream at the end: every id whose publish resolved is there exactly once, no id
 * appears twice, none that was never enqueued appears, and each subject keeps enqueue order. The one loss it
 * forgives is Chromium's own: now and then a browser SIGKILL makes it bring the database back empty (seen by
 * the store's next seq going back), and what was still waiting goes with it; each such reset is printed.
 * Re-run a failing history with ISOFLUX_KILL_SEED=<the printed seed>; a longer one with ISOFLUX_KILL_ITERATIONS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type Browser, type BrowserContext, type Page } from 'playwright/test';
import { CHROMIUM_PATH, chromiumLaunchOptions } from '../harness/chromium';
import { freePort } from '../setup/nats-server.mjs';
import { jsm, nats, readStream, server, useOutboxWorld } from './fixtures/outbox-world.js';
import type { OutboxTabApi } from './fixtures/outbox.js';

declare global {
  interface Window {
    outboxTab: OutboxTabApi;
  }
}

/** 50 by default (about 50 s alone, 2 min on a busy 2-core machine); ISOFLUX_KILL_ITERATIONS=500 for a soak. */
const ITERATIONS = Number(process.env.ISOFLUX_KILL_ITERATIONS ?? 50);
const SUBJECTS = ['a', 'b', 'c'];

/** mulberry32: a small seeded PRNG, so a failing history can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Chromium this spec spawns itself (so it can SIGKILL it), attached to over CDP. */
interface OwnBrowser {
  process: ChildProcess;
  browser: Browser;
  context: BrowserContext;
}

async function launch(profile: string): Promise<OwnBrowser> {
  const port = await freePort();
  const child = spawn(
    CHROMIUM_PATH,
    [...chromiumLaunchOptions.args, '--headless=new', `--remote-debugging-port=${port}`, `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: 'ignore', detached: true },
  );
  for (let i = 0; ; i++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/json/version`);
      if (response.ok) break;
    } catch {
      if (i > 300 || child.exitCode !== null) throw new Error(`Chromium did not open its DevTools port (exit ${String(child.exitCode)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  return { process: child, browser, context: browser.contexts()[0]! };
}

/** SIGKILL of the browser's whole process group (browser, renderers, utilities at once), by its PID. */
async function sigkill(own: OwnBrowser): Promise<void> {
  const exited = new Promise((resolve) => own.process.once('exit', resolve));
  if (own.process.exitCode === null) process.kill(-own.process.pid!, 'SIGKILL');
  await exited;
}

useOutboxWorld();

test(`kill anywhere: ${ITERATIONS} random kills of the tab or the browser, 0 lost, 0 duplicated`, async () => {
  test.setTimeout(Math.max(240_000, ITERATIONS * 4_000));
  const seed = Number(process.env.ISOFLUX_KILL_SEED ?? Date.now() % 2 ** 31);
  console.log(`outbox kill-anywhere seed: ${seed} (ISOFLUX_KILL_SEED=${seed} replays it)`);
  const random = prng(seed);
  const pick = (n: number): number => Math.floor(random() * n);
  const ns = `kill${seed.toString(36)}`;
  // a duplicate window longer than the test: every resend is within it
  await jsm.streams.add({ name: ns, subjects: [`${ns}.>`], duplicate_window: 600_000_000_000 });
  const profile = mkdtempSync(join(tmpdir(), 'isoflux-outbox-kill-'));
  const attempted = new Set<string>();
  const confirmed = new Set<string>();
  const kinds = { crash: 0, sigkill: 0 };
  const points = { time: 0, stored: 0 };
  let own: OwnBrowser | undefined;
  const stored = async (): Promise<number> => (await jsm.streams.info(ns)).state.messages;
  /**
   * Times Chromium brought the outbox's database back empty after a browser SIGKILL (its next seq went
   * back: isoflux never deletes it). Seen about once in 25 SIGKILLs on this machine: whatever was still
   * waiting then is gone with the database, which no outbox in the page can prevent.
   */
  const resets: Array<{ iteration: number; from: number; to: number }> = [];
  let lastSeq = 0;

  const openTab = async (browser: OwnBrowser): Promise<Page> => {
    const page = await browser.context.newPage();
    await page.exposeBinding('confirmEnqueued', (_source, id: string) => void confirmed.add(id));
    await page.goto(`${server.url}outbox.html`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    await page.evaluate((o) => window.outboxTab.open(o), { database: ns, wsUrl: nats.wsUrl!, delayMs: pick(4), relay: { requestTimeoutMs: 3000 } });
    return page;
  };

  try {
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      own ??= await launch(profile);
      const page = await openTab(own);
      // the store's next seq only grows: lower after a SIGKILL means the browser dropped the database
      const { nextSeq } = await page.evaluate((d) => window.outboxTab.raw(d), ns);
      expect(typeof nextSeq).toBe('number');
      if (nextSeq < lastSeq) resets.push({ iteration, from: lastSeq, to: nextSeq });
      lastSeq = nextSeq;
      const ids = Array.from({ length: 5 + pick(26) }, (_, j) => `${iteration}-${j}`);
      for (const id of ids) attempted.add(id);
      const subject = `${ns}.${SUBJECTS[pick(SUBJECTS.length)]}`;
      const before = await stored();
      const publishing = page
        .evaluate(([s, list, perTick]) => window.outboxTab.publishIds(s, 'k', list, perTick), [subject, ids, 1 + pick(8)] as const)
        .catch(() => undefined);
      if (random() < 0.5) {
        // a random moment: enqueueing, sending, or waiting for acks
        points.time++;
        // fixed sleep: a random kill moment is the point of the test
        await new Promise((resolve) => setTimeout(resolve, pick(120)));
      } else {
        // after the stream stored some of this batch: acked or not, removed or not
        points.stored++;
        const target = before + 1 + pick(ids.length);
        const until = Date.now() + 5000;
        while ((await stored()) < target && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (random() < 0.2) {
        kinds.sigkill++;
        await sigkill(own);
        await own.browser.close().catch(() => undefined);
        own = undefined;
      } else {
        kinds.crash++;
        const cdp = await own.context.newCDPSession(page);
        const crashed = page.waitForEvent('crash', { timeout: 5000 });
        void cdp.send('Page.crash').catch(() => undefined);
        await crashed;
        await page.close().catch(() => undefined);
      }
      await publishing;
    }
    // one last tab delivers whatever the kills left
    own ??= await launch(profile);
    const page = await openTab(own);
    await page.evaluate(() => window.outboxTab.drained());
    expect(await page.evaluate(() => window.outboxTab.status())).toMatchObject({ depth: 0, deadLetters: 0 });
  } finally {
    if (own !== undefined) {
      await sigkill(own).catch(() => undefined);
      await own.browser.close().catch(() => undefined);
    }
    rmSync(profile, { recursive: true, force: true });
  }

  // the checker, over the whole history
  const history = await readStream(ns);
  const total = history.length;
  const copies = new Map<string, number>();
  for (const { id } of history) copies.set(id, (copies.get(id) ?? 0) + 1);
  const lost = [...confirmed].filter((id) => !copies.has(id));
  const duplicated = [...copies].filter(([, n]) => n > 1).map(([id]) => id);
  const extra = [...copies.keys()].filter((id) => !attempted.has(id));
  const order = (id: string): number => Number(id.split('-')[0]) * 1000 + Number(id.split('-')[1]);
  const outOfOrder = SUBJECTS.filter((s) => {
    const seq = history.filter((h) => h.subject === `${ns}.${s}`).map((h) => order(h.id));
    return seq.some((v, i) => i > 0 && v < seq[i - 1]!);
  });
  console.log(
    `kill-anywhere: ${ITERATIONS} iterations (${kinds.crash} tab crashes, ${kinds.sigkill} browser SIGKILLs; ${points.time} at a random time, ${points.stored} after the stream stored part of the batch); ` +
      `${attempted.size} ids attempted, ${confirmed.size} confirmed stored, ${total} in the stream; lost ${lost.length}, duplicated ${duplicated.length}, extra ${extra.length}`,
  );
  // a loss is explained only by a reset that came after the id was enqueued (and before it was delivered)
  const iterationOf = (id: string): number => Number(id.split('-')[0]);
  const unexplained = lost.filter((id) => !resets.some((r) => iterationOf(id) < r.iteration));
  if (resets.length > 0) {
    console.log(
      `kill-anywhere: Chromium dropped the outbox database after a SIGKILL ${resets.length} time(s) ` +
        `(${resets.map((r) => `before iteration ${r.iteration}: next seq ${r.from} → ${r.to}`).join('; ')}); ` +
        `${lost.length - unexplained.length} waiting id(s) went with it`,
    );
  }
  expect({ lost: unexplained, duplicated, extra, outOfOrder }).toEqual({ lost: [], duplicated: [], extra: [], outOfOrder: [] });
  expect(kinds.sigkill).toBeGreaterThan(0);
  expect(confirmed.size).toBeGreaterThan(0);
});
