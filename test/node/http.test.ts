/**
 * The http transport over real network hops: a Node `http.createServer` serving the handler through
 * `toNodeListener`, and a Cloudflare Worker (test/edge/http-worker.ts bundled with esbuild) running in
 * workerd through Miniflare, with a Node publisher posting to both over loopback TCP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { createHttpClient, createHttpHandler, toNodeListener, type HttpHandler } from '../../src/http/index.js';
import { Inbox } from '../portable/conformance/wait.js';

/** Starts `handler` on a free loopback port; resolves with its base URL and a stop function. */
async function serveOnNode(handler: HttpHandler): Promise<{ base: string; stop(): Promise<void> }> {
  const server: Server = createServer(toNodeListener(handler.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    base: `http://127.0.0.1:${port}/events/`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * POSTs a chunked body (no Content-Length) of up to `chunks` × `size` bytes with node:http, writing as fast
 * as the server reads; resolves with the status and how many chunks were written when the answer came.
 */
function postChunked(url: string, chunks: number, size: number): Promise<{ status: number; written: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const chunk = `"${'x'.repeat(size - 2)}"`;
    const req = httpRequest(url, { method: 'POST', headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/json' } }, (res) => {
      answered = true;
      res.resume();
      resolve({ status: res.statusCode ?? 0, written });
    });
    // the server closes the connection after refusing: later write errors are expected
    req.on('error', (error) => answered || reject(error));
    const next = (): void => {
      if (answered) return;
      if (written >= chunks) return void req.end();
      written++;
      req.write(chunk, next);
    };
    next();
  });
}

describe('http over Node http.createServer', () => {
  const handler = createHttpHandler({ basePath: '/events/', maxBodyBytes: 64 * 1024 });
  let base = '';
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ base, stop } = await serveOnNode(handler));
  });
  afterAll(async () => {
    await handler.close();
    await stop();
  });

  it('publishes and requests across TCP with headers and id', async () => {
    const inbox = new Inbox();
    handler.subscribe('orders.*', inbox.push);
    handler.respond('math.double', (m) => (m.payload as number) * 2);
    const client = createHttpClient(base);
    await client.publish('orders.created', { total: 42 }, { id: 'o-1', headers: { 'X-Tenant': 't1' } });
    const [m] = inbox.messages;
    expect([m?.subject, m?.payload, m?.id, m?.headers]).toEqual(['orders.created', { total: 42 }, 'o-1', { 'X-Tenant': 't1' }]);
    expect((await client.request('math.double', 21)).payload).toBe(42);
    await expect(client.publish('nobody.here', 1)).rejects.toMatchObject({ code: 'no_responders' });
  });

  it('answers 413 to a chunked body over the limit before reading it all, and 405 to GET', async () => {
    handler.subscribe('sink', () => undefined);
    // 256 MiB offered; the handler stops at 64 KiB and the server hangs up instead of draining the rest
    const result = await postChunked(`${base}sink`, 4096, 64 * 1024);
    expect(result.status).toBe(413);
    expect(result.written).toBeLessThan(1024);
    const get = await fetch(`${base}sink`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('fails with connection_failed when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    await expect(createHttpClient(`http://127.0.0.1:${port}/`).publish('a', 1)).rejects.toMatchObject({ code: 'connection_failed' });
  });
});

describe('http into a Cloudflare Worker (workerd via Miniflare)', () => {
  let mf: Miniflare;
  let base = '';
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'isoflux-worker-'));
    const scriptPath = join(dir, 'worker.js');
    await build({ entryPoints: [fileURLToPath(new URL('../edge/http-worker.ts', import.meta.url))], bundle: true, format: 'esm', platform: 'browser', outfile: scriptPath, logLevel: 'error' });
    mf = new Miniflare({ modules: true, scriptPath, modulesRoot: dir, compatibilityDate: '2024-09-23', host: '127.0.0.1', port: 0 });
    base = `${(await mf.ready).origin}/events/`;
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a Node publish to the worker subscription, with headers and id', async () => {
    const client = createHttpClient(base);
    await client.publish('orders.eu.created', { n: 1 }, { id: 'w-1', headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    await client.publish('orders.us', 'two');
    const log = (await (await fetch(new URL('/log', base))).json()) as Array<{ subject: string; payload: unknown; id: string; headers: Record<string, string> }>;
    expect(log.map((m) => [m.subject, m.payload])).toEqual([['orders.eu.created', { n: 1 }], ['orders.us', 'two']]);
    expect(log[0]?.id).toBe('w-1');
    expect(log[0]?.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('maps the worker answers to typed errors and replies', async () => {
    const client = createHttpClient(base);
    expect((await client.request('math.double', 4)).payload).toBe(8);
    await expect(client.publish('fail', 1)).rejects.toMatchObject({ code: 'remote_error', remoteCode: 'worker_error' });
    await expect(client.publish('nobody', 1)).rejects.toMatchObject({ code: 'no_responders' });
    await expect(client.publish('orders.big', 'x'.repeat(5000), {})).rejects.toMatchObject({ code: 'payload_too_large', limit: 4096 });
    const garbage = await fetch(`${base}orders.x`, { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
    expect([garbage.status, ((await garbage.json()) as { code: string }).code]).toEqual([400, 'decode_failed']);
    expect((await fetch(`${base}orders.x`)).status).toBe(405);
  });
});
