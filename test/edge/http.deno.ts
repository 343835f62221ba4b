/**
 * The http transport served by `Deno.serve` and posted to with Deno's fetch over loopback TCP. Run (offline):
 *   DENO_NO_UPDATE_CHECK=1 npx deno test -A --node-modules-dir=manual --unstable-sloppy-imports test/edge/http.deno.ts
 */
import { createHttpClient, createHttpHandler } from '../../src/http/index.js';

declare const Deno: {
  test(name: string, fn: () => Promise<void>): void;
  serve(options: { port: number; hostname: string; onListen?: (addr: { port: number }) => void }, handler: (request: Request) => Promise<Response>): { finished: Promise<void>; shutdown(): Promise<void> };
};

function assertEqual(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

Deno.test('http: Deno.serve(handler.fetch) receives publishes and answers requests', async () => {
  const handler = createHttpHandler({ basePath: '/events/', maxBodyBytes: 1024 });
  const seen: unknown[] = [];
  handler.subscribe('orders.*', (m) => void seen.push([m.subject, m.payload, m.id, m.headers]));
  handler.respond('math.double', (m) => (m.payload as number) * 2);
  let port = 0;
  const server = Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: (addr) => void (port = addr.port) }, handler.fetch);
  try {
    const client = createHttpClient(`http://127.0.0.1:${port}/events/`);
    await client.publish('orders.created', { n: 1 }, { id: 'd-1', headers: { 'X-Tenant': 't1' } });
    assertEqual(seen, [['orders.created', { n: 1 }, 'd-1', { 'X-Tenant': 't1' }]], 'delivery');
    assertEqual((await client.request('math.double', 21)).payload, 42, 'reply');
    const codes = await Promise.all([
      client.publish('nobody', 1).catch((e: { code?: string }) => e.code),
      client.publish('orders.big', 'x'.repeat(2000)).catch((e: { code?: string }) => e.code),
      fetch(`http://127.0.0.1:${port}/events/orders.x`, { method: 'POST', body: '{bad' }).then(async (r) => `${r.status} ${((await r.json()) as { code: string }).code}`),
      fetch(`http://127.0.0.1:${port}/events/orders.x`).then(async (r) => (await r.body?.cancel(), r.status)),
    ]);
    assertEqual(codes, ['no_responders', 'payload_too_large', '400 decode_failed', 405], 'refusals');
  } finally {
    await handler.close();
    await server.shutdown();
  }
});
