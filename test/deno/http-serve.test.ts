/**
 * Deno only: the http transport served by `Deno.serve` on loopback TCP and posted to with Deno's fetch.
 * (Node serves it in test/node/http.test.ts; workerd in test/node/http.test.ts through Miniflare.)
 */
import { describe, expect, it } from 'vitest';
import { createHttpClient, createHttpHandler } from '../../src/http/index.js';

declare const Deno: {
  serve(
    options: { port: number; hostname: string; onListen?: (addr: { port: number }) => void },
    handler: (request: Request) => Promise<Response>,
  ): { shutdown(): Promise<void> };
};

describe('http transport on Deno.serve', () => {
  it('receives publishes, answers requests and refuses bad input with the right status', async () => {
    const handler = createHttpHandler({ basePath: '/events/', maxBodyBytes: 1024 });
    const seen: unknown[] = [];
    handler.subscribe('orders.*', (m) => void seen.push([m.subject, m.payload, m.id, m.headers]));
    handler.respond('math.double', (m) => (m.payload as number) * 2);
    let port = 0;
    const server = Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: (addr) => void (port = addr.port) }, handler.fetch);
    try {
      const client = createHttpClient(`http://127.0.0.1:${port}/events/`);
      await client.publish('orders.created', { n: 1 }, { id: 'd-1', headers: { 'X-Tenant': 't1' } });
      expect(seen).toEqual([['orders.created', { n: 1 }, 'd-1', { 'X-Tenant': 't1' }]]);
      expect((await client.request('math.double', 21)).payload).toBe(42);
      const codes = await Promise.all([
        client.publish('nobody', 1).catch((e: { code?: string }) => e.code),
        client.publish('orders.big', 'x'.repeat(2000)).catch((e: { code?: string }) => e.code),
        fetch(`http://127.0.0.1:${port}/events/orders.x`, { method: 'POST', body: '{bad', headers: { 'content-type': 'application/json' } }).then(async (r) => `${r.status} ${((await r.json()) as { code: string }).code}`),
        fetch(`http://127.0.0.1:${port}/events/orders.x`).then(async (r) => (await r.body?.cancel(), r.status)),
      ]);
      expect(codes).toEqual(['no_responders', 'payload_too_large', '400 decode_failed', 405]);
    } finally {
      await handler.close();
      await server.shutdown();
    }
  });
});
