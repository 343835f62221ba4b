/**
 * The postgres transport against the real PostgreSQL: hostile subjects, the 8000-byte limit, transactional
 * NOTIFY, order under load, foreign notifications, schemas, partitioning, and resuming after the connection
 * is cut (through a loopback TCP proxy this file starts and stops). Node only: TCP and a proxy.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, inject } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import postgres from 'postgres';
import * as v from 'valibot';
import { bytesCodec, textCodec } from '../../src/index.js';
import { createPostgresBus, NOTIFY_PAYLOAD_LIMIT, type PostgresBus } from '../../src/postgres/index.js';
import { Inbox, MARKER, sleep } from '../portable/conformance/wait.js';
import { until } from '../portable/waits.js';

const pgUrl = inject('pgUrl');
const quiet = () => ({ onnotice: () => undefined, max: 3 });
let n = 0;
/** A namespace no other test (or earlier run) uses, so stray traffic cannot leak in. */
const freshNamespace = (): string => `t_${Date.now().toString(36)}_${(n++).toString(36)}`;

type Sql = ReturnType<typeof postgres>;
let pubSql: Sql;
let subSql: Sql;
const buses: PostgresBus[] = [];

function pair(options: Parameters<typeof createPostgresBus>[1] = {}): { pub: PostgresBus; sub: PostgresBus } {
  const namespace = options.namespace ?? freshNamespace();
  const pub = createPostgresBus(pubSql, { ...options, namespace });
  const sub = createPostgresBus(subSql, { ...options, namespace });
  buses.push(pub, sub);
  return { pub, sub };
}

beforeAll(() => {
  pubSql = postgres(pgUrl, quiet());
  subSql = postgres(pgUrl, quiet());
});
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await Promise.all([pubSql.end({ timeout: 1 }), subSql.end({ timeout: 1 })]);
});

describe('postgres: subjects are never SQL', () => {
  it('carries hostile subjects exactly, without injection or collision', async () => {
    await pubSql`create table if not exists isoflux_canary (id int)`;
    const long = `orders.${'x'.repeat(70)}`;
    const subjects = [`it's.a."quote"`, 'a;drop_table_isoflux_canary;--', 'ünï.cødé.🚀', `${long}.one`, `${long}.two`, 'tab\u0000le'];
    for (const partitionTokens of [0, 1, 2]) {
      const { pub, sub } = pair({ partitionTokens });
      const inboxes = subjects.slice(0, -1).map(() => new Inbox());
      await Promise.all(subjects.slice(0, -1).map((s, i) => sub.subscribe(s, inboxes[i]!.push).ready));
      for (const s of subjects.slice(0, -1)) await pub.publish(s, s);
      for (const [i, inbox] of inboxes.entries()) {
        await inbox.waitFor(1);
        expect(inbox.messages.map((m) => m.subject)).toEqual([subjects[i]]);
      }
      // Barrier: NOTIFYs arrive in commit order, so a crossed message would come before these markers
      for (const s of subjects.slice(0, -1)) await pub.publish(s, MARKER);
      for (const inbox of inboxes) await inbox.waitFor(2);
      // the two long subjects share their first 63 bytes and still did not cross
      expect(inboxes.map((i) => i.payloads)).toEqual(subjects.slice(0, -1).map((s) => [s, MARKER]));
    }
    // a NUL is not whitespace, so it is a valid subject: it travels in the JSON envelope, escaped
    const { pub, sub } = pair();
    const inbox = new Inbox();
    await sub.subscribe('tab\u0000le', inbox.push).ready;
    await pub.publish('tab\u0000le', 1);
    expect((await inbox.waitFor(1))[0]?.subject).toBe('tab\u0000le');
    expect(await pubSql`select to_regclass('isoflux_canary') as t`).toEqual([{ t: 'isoflux_canary' }]);
  });

  it('rejects namespaces that are not plain identifiers', () => {
    for (const namespace of ['', 'Upper', 'a-b', 'x"; drop', 'é', 'n'.repeat(41)]) {
      expect(() => createPostgresBus(pubSql, { namespace })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
    expect(() => createPostgresBus(pubSql, { partitionTokens: -1 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => createPostgresBus({} as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});

describe('postgres: what LISTEN/NOTIFY cannot do is a typed error', () => {
  it('throws unsupported for queue groups and has no request/reply', () => {
    const { pub, sub } = pair();
    expect(() => sub.subscribe('jobs', () => undefined, { queue: 'w' })).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect((pub as { request?: unknown }).request).toBeUndefined();
    expect((sub as { respond?: unknown }).respond).toBeUndefined();
  });

  it('throws unsupported for wildcards inside the partition tokens, and takes them after', async () => {
    const { pub, sub } = pair({ partitionTokens: 2 });
    for (const pattern of ['>', '*.created', 'orders.*', 'orders.>']) {
      expect(() => sub.subscribe(pattern, () => undefined)).toThrow(expect.objectContaining({ code: 'unsupported', pattern, partitionTokens: 2 }));
    }
    const inbox = new Inbox();
    await sub.subscribe('orders.eu.*', inbox.push).ready;
    await sub.subscribe('orders', inbox.push).ready;
    for (const s of ['orders.eu.created', 'orders.us.created', 'orders', 'orders.eu', 'orders.eu.a.b']) await pub.publish(s, s);
    await inbox.waitFor(2);
    await pub.publish('orders', MARKER); // barrier: commit order
    await inbox.waitFor(3);
    expect(inbox.payloads).toEqual(['orders.eu.created', 'orders', MARKER]);
  });
});

describe('postgres: the 8000-byte NOTIFY limit', () => {
  it('sends an envelope of exactly 7999 bytes and refuses 8000 before sending', async () => {
    const { pub, sub } = pair({ codec: textCodec() as never });
    const inbox = new Inbox();
    await sub.subscribe('big', inbox.push).ready;
    // envelope = {"s":"big","i":"id"}\n + body
    const overhead = JSON.stringify({ s: 'big', i: 'id' }).length + 1;
    const fits = 'é'.repeat(1) + 'x'.repeat(NOTIFY_PAYLOAD_LIMIT - overhead - 2);
    await pub.publish('big', fits, { id: 'id' });
    const error = await pub.publish('big', `${fits}y`, { id: 'id' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'payload_too_large', size: 8000, limit: 7999 });
    await expect(pub.publish('big', 'x'.repeat(100_000))).rejects.toMatchObject({ code: 'payload_too_large' });
    // headers count too
    await expect(pub.publish('big', 'small', { headers: { h: 'v'.repeat(8000) } })).rejects.toMatchObject({ code: 'payload_too_large' });
    await inbox.waitFor(1);
    await pub.publish('big', 'end'); // barrier: a refused publish sent anyway would come before it
    await inbox.waitFor(2);
    expect(inbox.payloads).toEqual([fits, 'end']);
  });

  it('counts the default JSON codec\'s text the same way (7999 fits, 8000 is refused) and splits a burst of large ones over statements, in order', async () => {
    const { pub, sub } = pair();
    const inbox = new Inbox();
    await sub.subscribe('big', inbox.push).ready;
    // envelope = {"s":"big","i":"id"}\n + JSON text ("…" adds two quotes)
    const overhead = JSON.stringify({ s: 'big', i: 'id' }).length + 1 + 2;
    const fits = 'x'.repeat(NOTIFY_PAYLOAD_LIMIT - overhead);
    await expect(pub.publish('big', `${fits}y`, { id: 'id' })).rejects.toMatchObject({ code: 'payload_too_large', size: 8000, limit: 7999 });
    // 300 near-limit payloads in one tick: more than one statement's worth (about 1 MB each)
    const burst = Array.from({ length: 300 }, (_, i) => `${String(i).padStart(4, '0')}${fits.slice(4)}`);
    await Promise.all(burst.map((payload) => pub.publish('big', payload, { id: 'id' })));
    await inbox.waitFor(burst.length, 10_000);
    expect(inbox.payloads).toEqual(burst);
  });

  it('keeps per-subject order when one tick publishes to several partitions (one statement, many channels)', async () => {
    const { pub, sub } = pair({ partitionTokens: 1 });
    const inbox = new Inbox();
    for (const p of ['a', 'b', 'c']) await sub.subscribe(`${p}.>`, inbox.push).ready;
    const sent = Array.from({ length: 900 }, (_, i) => ({ subject: `${'abc'[i % 3]}.x`, n: i }));
    await Promise.all(sent.map((m) => pub.publish(m.subject, m.n)));
    await inbox.waitFor(sent.length, 10_000);
    for (const p of ['a', 'b', 'c']) {
      const subject = `${p}.x`;
      expect(inbox.messages.filter((m) => m.subject === subject).map((m) => m.payload)).toEqual(sent.filter((m) => m.subject === subject).map((m) => m.n));
    }
  });

  it('carries non-text bytes as base64 (counted after encoding)', async () => {
    const { pub, sub } = pair({ codec: bytesCodec() as never });
    const inbox = new Inbox();
    await sub.subscribe('bin', inbox.push).ready;
    const bytes = new Uint8Array([0, 255, 254, 10, 13, 0x80]);
    await pub.publish('bin', bytes);
    expect((await inbox.waitFor(1))[0]?.payload).toEqual(bytes);
    // 6000 raw bytes become 8000 base64 characters: too large although the raw size would fit
    await expect(pub.publish('bin', new Uint8Array(6000).fill(0xff))).rejects.toMatchObject({ code: 'payload_too_large' });
  });
});

describe('postgres: delivery', () => {
  it('delivers a NOTIFY inside a transaction only on COMMIT, never on ROLLBACK', async () => {
    const { pub, sub } = pair();
    const inbox = new Inbox();
    await sub.subscribe('tx.*', inbox.push).ready;
    // Barrier: a marker committed outside the transaction; NOTIFYs arrive in commit order, so one that
    // escaped the transaction would come before it.
    await pubSql.begin(async (tx) => {
      await pub.publish('tx.committed', 1, { transaction: tx });
      await pub.publish('tx.marker', MARKER);
      await inbox.waitFor(1);
      expect(inbox.payloads).toEqual([MARKER]);
    });
    await inbox.waitFor(2);
    await pubSql
      .begin(async (tx) => {
        await pub.publish('tx.rolled-back', 2, { transaction: tx });
        throw new Error('rollback');
      })
      .catch(() => undefined);
    await pub.publish('tx.marker', MARKER);
    await inbox.waitFor(3);
    expect(inbox.payloads).toEqual([MARKER, 1, MARKER]);
  });

  it('keeps publish order for thousands of publishes not awaited one by one', async () => {
    const { pub, sub } = pair();
    const inbox = new Inbox();
    await sub.subscribe('seq', inbox.push).ready;
    const count = 3000;
    await Promise.all(Array.from({ length: count }, (_, i) => pub.publish('seq', i)));
    await inbox.waitFor(count, 10_000);
    expect(inbox.payloads).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it('reports foreign notifications on its channel and keeps going', async () => {
    const errors: unknown[] = [];
    const namespace = freshNamespace();
    const { pub, sub } = pair({ namespace, onError: (e) => errors.push(e) });
    const inbox = new Inbox();
    await sub.subscribe('ok', inbox.push).ready;
    for (const raw of ['plain text', '{"s":1}\n', '{"s":"a b","i":"x"}\nnull', '{"s":"ok","i":"x","h":{"n":1}}\n1']) await pubSql.notify(namespace, raw);
    await pub.publish('ok', 'fine');
    await inbox.waitFor(1);
    expect(errors).toHaveLength(4);
    expect(errors.every((e) => (e as { code?: string }).code === 'decode_failed')).toBe(true);
    expect(sub.stats.foreign).toBe(4);
  });

  it('reports undecodable and schema-invalid payloads to the subscription, never to the handler', async () => {
    const errors: unknown[] = [];
    const namespace = freshNamespace();
    const { pub, sub } = pair({ namespace, schema: v.object({ n: v.number() }) });
    const inbox = new Inbox();
    const s = sub.subscribe('check', inbox.push, { onError: (e) => errors.push(e) });
    await s.ready;
    await pubSql.notify(namespace, '{"s":"check","i":"x"}\n{not json');
    await pub.publish('check', { n: 'one' });
    await pub.publish('check', { n: 1 });
    await inbox.waitFor(1);
    expect(inbox.payloads).toEqual([{ n: 1 }]);
    expect(errors.map((e) => (e as { code: string }).code)).toEqual(['decode_failed', 'invalid_payload']);
    expect(s.stats.failed).toBe(2);
  });

  it('rejects with aborted before sending, closed after close, and close waits for accepted publishes', async () => {
    const { pub, sub } = pair();
    const inbox = new Inbox();
    await sub.subscribe('end', inbox.push).ready;
    await expect(pub.publish('end', 0, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
    const accepted = [pub.publish('end', 1), pub.publish('end', 2)];
    await pub.close();
    await Promise.all(accepted);
    await expect(pub.publish('end', 3)).rejects.toMatchObject({ code: 'closed' });
    expect(() => pub.subscribe('end', () => undefined)).toThrow(expect.objectContaining({ code: 'closed' }));
    expect((await inbox.waitFor(2)).map((m) => m.payload)).toEqual([1, 2]);
  });

  it('UNLISTENs when the last subscription of a channel ends', async () => {
    const reserved = await subSql.reserve();
    try {
      const namespace = freshNamespace();
      // the bus LISTENs on its own connection, so ask PostgreSQL what every backend ran last
      const sub = createPostgresBus(subSql, { namespace });
      buses.push(sub);
      const listening = async (): Promise<number> => (await reserved`select count(*)::int as n from pg_stat_activity where query ilike ${`%listen "${namespace}"%`} and query not ilike '%unlisten%'`)[0]!.n;
      const a = sub.subscribe('a', () => undefined);
      const b = sub.subscribe('b', () => undefined);
      await Promise.all([a.ready, b.ready]);
      expect(await listening()).toBe(1);
      await a.unsubscribe();
      expect(await listening()).toBe(1);
      await b.unsubscribe();
      expect(await listening()).toBe(0);
    } finally {
      reserved.release();
    }
  });
});

describe('postgres: outages', () => {
  let proxy: Server;
  let port = 0;
  let accepting = true;
  /** Connections the proxy refused: a reconnect attempt that happened. */
  let refused = 0;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    proxy = createServer((client) => {
      if (!accepting) return void (refused++, client.destroy());
      const upstream = connect(5432, '127.0.0.1');
      sockets.add(client).add(upstream);
      const kill = (): void => void (client.destroy(), upstream.destroy());
      client.pipe(upstream).pipe(client);
      for (const s of [client, upstream]) s.on('error', kill).on('close', kill);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    port = (proxy.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('resumes subscriptions after the connection is cut and restored (messages during the outage are lost)', async () => {
    const cutSql = postgres(`postgres://postgres@127.0.0.1:${port}/test`, { ...quiet(), connect_timeout: 2 });
    try {
      const namespace = freshNamespace();
      const listens: string[] = [];
      const sub = createPostgresBus(cutSql, { namespace, onListen: (c) => listens.push(c) });
      const pub = createPostgresBus(pubSql, { namespace });
      buses.push(sub, pub);
      const inbox = new Inbox();
      await sub.subscribe('up.>', inbox.push).ready;
      await pub.publish('up.before', 1);
      await inbox.waitFor(1);
      accepting = false;
      const before = refused;
      for (const s of sockets) s.destroy();
      await pub.publish('up.during', 2); // committed while nothing can reach the listener: lost
      await until(() => refused > before, { what: 'a reconnect attempt refused' });
      accepting = true;
      const deadline = Date.now() + 10_000;
      while (listens.length < 2 && Date.now() < deadline) await sleep(20);
      expect(listens).toEqual([namespace, namespace]);
      await pub.publish('up.after', 3);
      await inbox.waitFor(2);
      expect(inbox.payloads).toEqual([1, 3]);
    } finally {
      await cutSql.end({ timeout: 1 });
    }
  });

  it('keeps a subscription made during an outage waiting, and it becomes ready when the server is back', async () => {
    accepting = false;
    const before = refused;
    const cutSql = postgres(`postgres://postgres@127.0.0.1:${port}/test`, { ...quiet(), connect_timeout: 2 });
    try {
      const namespace = freshNamespace();
      const sub = createPostgresBus(cutSql, { namespace });
      const pub = createPostgresBus(pubSql, { namespace });
      buses.push(sub, pub);
      const inbox = new Inbox();
      const gaveUp = sub.subscribe('late', () => undefined);
      const s = sub.subscribe('late', inbox.push);
      let ready = false;
      void s.ready.then(() => (ready = true));
      await until(() => refused > before, { what: 'the LISTEN connection refused' });
      expect(ready).toBe(false);
      // unsubscribing while the LISTEN waits for the server does not wait with it
      await gaveUp.unsubscribe();
      accepting = true;
      await s.ready;
      await pub.publish('late', 'hello');
      expect((await inbox.waitFor(1))[0]?.payload).toBe('hello');
    } finally {
      accepting = true;
      await cutSql.end({ timeout: 1 });
    }
  });

  it('fails the subscription with connection_failed when PostgreSQL refuses the connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const deadSql = postgres(`postgres://postgres@127.0.0.1:${deadPort}/test`, { ...quiet(), connect_timeout: 1 });
    try {
      const errors: unknown[] = [];
      const sub = createPostgresBus(deadSql, { namespace: freshNamespace() });
      buses.push(sub);
      const s = sub.subscribe('x', () => undefined, { onError: (e) => errors.push(e) });
      await expect(s.ready).rejects.toMatchObject({ code: 'connection_failed' });
      await s.closed;
      expect(s.isClosed).toBe(true);
      expect(errors).toEqual([expect.objectContaining({ code: 'connection_failed' })]);
      await expect(sub.publish('x', 1)).rejects.toMatchObject({ code: 'connection_failed' });
    } finally {
      await deadSql.end({ timeout: 0 });
    }
  });
});
