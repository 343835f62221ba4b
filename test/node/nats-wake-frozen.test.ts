/**
 * Sleep and wake with a really frozen page (not a dispatched event): Chromium started here with a DevTools
 * port, attached over CDP (Playwright-launched pages ignore `Page.setWebLifecycleState`, see the research
 * notes), a page holding a NATS connection through a black-hole proxy. The page is frozen (timers stop,
 * `freeze` fires), the proxy black-holes the open socket, the network comes back, the page is thawed
 * (`resume` fires): the connection must be back, its subscription receiving, within 2 s of the resume, and
 * the wake-up check must have run on `resume`.
 *
 * Seen here: Chromium itself drops a frozen page's WebSocket, and delivers the close on resume, so nats-core
 * redials within ~100 ms even without the check (verified on the code before it; only the `check resume`
 * entry was missing). The black hole that stays silent after waking, which the check exists for, is proven
 * by test/browser/nats-wake.test.ts; this test guards the real lifecycle path (freeze → resume) end to end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { startBlackholeProxy, type BlackholeProxy } from '../setup/blackhole-proxy.mjs';
import { startNatsServer, type NatsServer } from '../setup/nats-server.mjs';
import { chromiumLaunchOptions } from '../harness/chromium.js';
import { connectNats, createNatsBus } from '../../src/nats/index.js';

const PAGE_SCRIPT = `
import { connectNats, createNatsBus } from './src/nats/index.ts';
const log = (window.log = []);
const mark = (what) => log.push({ what, at: Date.now() });
for (const type of ['freeze', 'resume', 'visibilitychange']) document.addEventListener(type, () => mark(type));
window.received = [];
window.start = async (url) => {
  const nc = await connectNats(url, { reconnectTimeWait: 200, reconnectJitter: 0, wakeCheck: { onCheck: (r) => mark('check ' + r.trigger + ' ' + r.alive) } });
  void (async () => { for await (const s of nc.status()) mark('status ' + s.type); })();
  await createNatsBus(nc).subscribe('frozen.>', (m) => void window.received.push(m.payload)).ready;
  window.nc = nc;
};
`;

interface PageLog {
  what: string;
  at: number;
}

/** Chromium with a DevTools port, started and stopped by PID. */
async function startChromium(): Promise<{ child: ChildProcess; endpoint: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'isoflux-chromium-'));
  const child = spawn(chromiumLaunchOptions.executablePath, ['--headless', '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', `--user-data-dir=${dir}`, ...chromiumLaunchOptions.args, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`chromium printed no DevTools endpoint:\n${err}`)), 10_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const found = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`chromium exited (${code}):\n${err}`)));
  });
  return { child, endpoint, dir };
}

describe('a frozen page (CDP Page.setWebLifecycleState) thawed after a black hole', () => {
  let nats: NatsServer;
  let proxy: BlackholeProxy;
  let http: Server;
  let browserProcess: Awaited<ReturnType<typeof startChromium>>;
  let browser: Browser;
  let page: Page;
  let publisher: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer({ jetstream: false, control: false });
    proxy = await startBlackholeProxy(Number(new URL(nats.wsUrl!).port));
    const bundled = await build({ stdin: { contents: PAGE_SCRIPT, resolveDir: process.cwd(), loader: 'js' }, bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022', logLevel: 'silent' });
    const html = `<!doctype html><title>frozen</title><script>${bundled.outputFiles[0]!.text.replaceAll('</script', '<\\/script')}</script>`;
    http = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    browserProcess = await startChromium();
    browser = await chromium.connectOverCDP(browserProcess.endpoint, { noDefaults: true });
    page = await browser.contexts()[0]!.newPage();
    const { port } = http.address() as { port: number };
    await page.goto(`http://127.0.0.1:${port}/`);
    publisher = await connectNats(nats.wsUrl!);
  }, 30_000);

  afterAll(async () => {
    await publisher?.close();
    await browser?.close().catch(() => undefined);
    if (browserProcess) {
      const exited = new Promise((resolve) => browserProcess.child.once('exit', resolve));
      // its own process group (detached): the renderers and helpers go with it
      if (browserProcess.child.exitCode === null) process.kill(-browserProcess.child.pid!, 'SIGKILL');
      await exited;
      rmSync(browserProcess.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    }
    await new Promise((resolve) => http?.close(resolve));
    await proxy?.close();
    await nats?.dispose();
  });

  it('is back within 2 s of resume, with its subscription', async () => {
    await page.evaluate((url) => (window as unknown as { start(u: string): Promise<void> }).start(url), `ws://127.0.0.1:${proxy.port}`);
    const bus = createNatsBus(publisher);
    await bus.publish('frozen.before', 0);
    await page.waitForFunction(() => (window as unknown as { received: unknown[] }).received.length === 1, undefined, { timeout: 2000, polling: 50 });

    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    proxy.blackhole(); // the lid closes: the open socket goes silent
    // fixed sleep: how long the lid stays closed is the scenario; a frozen page reports nothing meanwhile
    await new Promise((resolve) => setTimeout(resolve, 1500));
    proxy.restore(); // the network is back for new connections; the old socket stays dead
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    const pageLog = (): Promise<PageLog[]> => page.evaluate(() => (window as unknown as { log: PageLog[] }).log);
    await page.waitForFunction(() => (window as unknown as { log: PageLog[] }).log.some((e) => e.what === 'status reconnect'), undefined, { timeout: 5000, polling: 50 }).catch(async (error: unknown) => {
      throw new Error(`no reconnect within 5 s of resume; page log: ${JSON.stringify(await pageLog())}`, { cause: error });
    });
    await page.evaluate(() => (window as unknown as { nc: { flush(): Promise<void> } }).nc.flush());
    await bus.publish('frozen.after', 1);
    await page.waitForFunction(() => (window as unknown as { received: unknown[] }).received.length === 2, undefined, { timeout: 2000, polling: 50 });

    const log = await pageLog();
    const at = (what: string): number => log.find((e) => e.what === what)?.at ?? Number.NaN;
    const resumeToReconnect = at('status reconnect') - at('resume');
    console.log(`[nats-wake-frozen] ${log.map((e) => `${e.what}@${e.at - log[0]!.at}`).join(', ')}; reconnect ${resumeToReconnect} ms after resume`);
    expect(log.map((e) => e.what)).toEqual(expect.arrayContaining(['freeze', 'resume', 'check resume false', 'status reconnect']));
    expect(resumeToReconnect).toBeGreaterThanOrEqual(0);
    expect(resumeToReconnect).toBeLessThan(2000);
    await cdp.detach();
  }, 20_000);
});
