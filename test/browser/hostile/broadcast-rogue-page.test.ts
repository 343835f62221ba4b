/**
 * A rogue page — a real second Chromium page of the same browser context, no isoflux in it, only a raw
 * BroadcastChannel — forges goodbyes, unsubscribes and empty hellos in a live tab's name (another real
 * page), and forged replies to this page's requests. Requests to the live tab's responders keep working.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBroadcastBus, WIRE_VERSION, type BroadcastBus, type BroadcastBusStats } from '../../../src/broadcast/index.js';

let run = 0;

/** Opens a real page (a popup: its own top-level document) and waits for its first message. */
async function openPage(file: string, ns: string, readyKey: string): Promise<{ page: Window; ready: unknown }> {
  const url = new URL(`../fixtures/${file}`, import.meta.url);
  url.searchParams.set('ns', ns);
  const page = window.open(url.href, '_blank');
  if (page === null) throw new Error('window.open was blocked');
  const ready = await nextMessage(page, readyKey);
  return { page, ready };
}

function nextMessage(from: Window, key: string, match: (value: unknown) => boolean = () => true): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${key} from the page`)), 8000);
    const onMessage = (e: MessageEvent<Record<string, unknown> | null>): void => {
      if (e.source !== from || e.data === null || typeof e.data !== 'object' || !(key in e.data) || !match(e.data[key])) return;
      clearTimeout(timer);
      removeEventListener('message', onMessage);
      resolve(e.data[key]);
    };
    addEventListener('message', onMessage);
  });
}

let seq = 0;
/** Hands the rogue page a command and waits until it has carried it out. */
async function command(rogue: Window, data: Record<string, unknown>): Promise<void> {
  const n = ++seq;
  const done = nextMessage(rogue, 'rogueDone', (v) => v === n);
  rogue.postMessage({ ...data, seq: n }, '*');
  await done;
}

async function until(check: () => boolean | Promise<boolean>, limitMs: number): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > limitMs) throw new Error(`${check.toString().slice(0, 80)}: not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - start;
}

describe('broadcast bus against a rogue page (a real second page of the context)', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  const setup = async (): Promise<{ bus: BroadcastBus; tab: Window; tabId: string; rogue: Window }> => {
    const ns = `rogue-${Date.now().toString(36)}-${run++}`;
    const tab = await openPage('hostile-tab.html', ns, 'tabReady');
    cleanup.push(() => tab.page.close());
    const rogue = await openPage('rogue-page.html', ns, 'rogueReady');
    cleanup.push(() => rogue.page.close());
    // This page's bus starts last: its hello reaches both pages, and the tab answers with its own.
    const bus = createBroadcastBus({ namespace: ns, onWireError: () => undefined });
    cleanup.push(() => bus.close());
    await bus.waitForPeers(1, AbortSignal.timeout(4000)).catch(async (e: unknown) => {
      const answer = nextMessage(tab.page, 'tabStats');
      tab.page.postMessage({ stats: true }, '*');
      throw new Error(`no peer seen: ${JSON.stringify({ mine: bus.stats, tab: await answer })}`, { cause: e });
    });
    await until(async () => (await bus.request('svc.echo', 'up', { timeoutMs: 500 }).then((m) => m.payload, () => null)) === 'up', 3000);
    return { bus, tab: tab.page, tabId: tab.ready as string, rogue: rogue.page };
  };
  const frame = (from: string, items: unknown[]): unknown => ({ p: 'isoflux/broadcast', v: WIRE_VERSION, from, s: 5_000_000, items });
  const echo = (bus: BroadcastBus) => (): Promise<boolean> => bus.request('svc.echo', 'ping', { timeoutMs: 300 }).then((m) => m.payload === 'ping', () => false);
  const tabStats = async (tab: Window): Promise<BroadcastBusStats> => {
    const answer = nextMessage(tab, 'tabStats');
    tab.postMessage({ stats: true }, '*');
    return (await answer) as BroadcastBusStats;
  };

  it("forged goodbyes, unsubscribes and empty hellos in the live tab's name disrupt its responders for under 1 s", async () => {
    const { bus, tab, tabId, rogue } = await setup();
    for (const items of [[[6]], [[3, 'svc.echo']], [[1, [], 0, true]], Array.from({ length: 50 }, () => [[6], [3, 'svc.echo'], [1, [], 0, true]]).flat()]) {
      const before = bus.stats.framesReceived;
      await command(rogue, { post: [frame(tabId, items)] });
      await until(() => bus.stats.framesReceived > before, 1000);
      expect(await until(echo(bus), 1000)).toBeLessThan(1000);
      expect(bus.peers).toContain(tabId);
    }
    expect((await tabStats(tab)).forged).toBeGreaterThanOrEqual(4);
  });

  it('a sustained burst of forged goodbyes (200 frames) still leaves the tab reachable within 1 s', async () => {
    const { bus, tabId, rogue } = await setup();
    const before = bus.stats.framesReceived;
    await command(rogue, { post: Array.from({ length: 200 }, () => frame(tabId, [[6], [3, 'svc.echo']])) });
    await until(() => bus.stats.framesReceived >= before + 200, 2000);
    expect(await until(echo(bus), 1000)).toBeLessThan(1000);
  });

  it('forged replies from the rogue page (its own id or a made-up one) are dropped and counted; the real reply arrives', async () => {
    const { bus, tab, rogue } = await setup();
    await command(rogue, { impersonate: ['rogue-page', 'made-up-responder'] });
    const forgedBefore = bus.stats.forged;
    const pending = bus.request('svc.slow', 'real', { timeoutMs: 2000 });
    // the real tab answers only once both forgeries were counted: they surely came first
    await until(() => bus.stats.forged - forgedBefore >= 2, 2000);
    tab.postMessage({ answerSlow: true }, '*');
    const reply = await pending;
    expect(reply.payload).toBe('real');
    expect(bus.stats.forged - forgedBefore).toBeGreaterThanOrEqual(2);
  });
});
