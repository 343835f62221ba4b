/**
 * The postgres transport under Deno, against the real PostgreSQL: Deno runs the `postgres` client through its
 * Node compatibility (TCP). Not in test/portable because Chromium has no TCP. Run (offline):
 *   DENO_NO_UPDATE_CHECK=1 npx deno test -A --node-modules-dir=manual --unstable-sloppy-imports test/edge/postgres.deno.ts
 * PG_URL overrides the database (default postgres://postgres@127.0.0.1:5432/test).
 */
import postgres from 'postgres';
import { createPostgresBus } from '../../src/postgres/index.js';

declare const Deno: {
  test(name: string, fn: () => Promise<void>): void;
  env: { get(name: string): string | undefined };
};

const pgUrl = Deno.env.get('PG_URL') ?? 'postgres://postgres@127.0.0.1:5432/test';

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

Deno.test('postgres bus: publish in one client, receive in another, in order, with headers and id', async () => {
  const pubSql = postgres(pgUrl, { onnotice: () => undefined });
  const subSql = postgres(pgUrl, { onnotice: () => undefined });
  const namespace = `deno_${Date.now().toString(36)}`;
  const pub = createPostgresBus(pubSql, { namespace });
  const sub = createPostgresBus(subSql, { namespace });
  try {
    const got: Array<{ subject: string; payload: unknown; id: string; h: string | undefined }> = [];
    const s = sub.subscribe('orders.>', (m) => void got.push({ subject: m.subject, payload: m.payload, id: m.id, h: m.headers['x-h'] }));
    await s.ready;
    await pub.publish('orders.eu.created', { n: 1 }, { id: 'first', headers: { 'x-h': 'v' } });
    await Promise.all([2, 3, 4].map((n) => pub.publish('orders.us', { n })));
    await pub.publish('users.created', { n: 0 });
    const deadline = Date.now() + 5000;
    while (got.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert(got.length === 4, `expected 4 messages, got ${JSON.stringify(got)}`);
    assert(JSON.stringify(got[0]) === JSON.stringify({ subject: 'orders.eu.created', payload: { n: 1 }, id: 'first', h: 'v' }), `first: ${JSON.stringify(got[0])}`);
    assert(JSON.stringify(got.slice(1).map((m) => m.payload)) === '[{"n":2},{"n":3},{"n":4}]', 'order');
    const tooBig = await pub.publish('orders.big', 'x'.repeat(9000)).catch((e: { code?: string }) => e.code);
    assert(tooBig === 'payload_too_large', `oversize: ${String(tooBig)}`);
  } finally {
    await pub.close();
    await sub.close();
    await Promise.all([pubSql.end({ timeout: 1 }), subSql.end({ timeout: 1 })]);
  }
});
