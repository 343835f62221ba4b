/**
 * @module The postgres group: `postgres/pubsub`, isoflux's LISTEN/NOTIFY bus against the raw `postgres`
 * client's `listen`/`notify`, both through the PostgreSQL on 127.0.0.1:5432 (PG_URL overrides it).
 * Publisher and subscriber are separate clients (separate connections), as two processes would be.
 */
import postgres from 'postgres';
import { createPostgresBus } from '../../src/postgres/index.js';
import type { Message } from '../../src/core/message.js';
import { Sink, type Numbered } from '../lib/sink.js';
import { BenchUnavailableError, type Bench, type BenchGroup, type Contestant, type Scenario } from '../lib/types.js';

const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SUBJECT = 'bench.pubsub';
const options = { onnotice: () => undefined, max: 4 };

/** Two clients (publisher, subscriber) and their teardown. */
function clients(): { pub: postgres.Sql; sub: postgres.Sql; end(): Promise<void> } {
  const pub = postgres(PG_URL, options);
  const sub = postgres(PG_URL, options);
  return { pub, sub, end: async () => void (await Promise.all([pub.end({ timeout: 1 }), sub.end({ timeout: 1 })])) };
}

const isoflux: Contestant = {
  name: 'isoflux',
  role: 'isoflux',
  note: 'createPostgresBus(sql): JSON envelope (subject, id) per message, ordered, batched into one pg_notify statement per round trip',
  async setup(): Promise<Bench> {
    const c = clients();
    const namespace = `bench_${Date.now().toString(36)}`;
    const pub = createPostgresBus<Record<string, Numbered>>(c.pub, { namespace });
    const sub = createPostgresBus<Record<string, Numbered>>(c.sub, { namespace });
    const sink = new Sink();
    await sub.subscribe(SUBJECT, (m: Message<Numbered>) => sink.add(m.payload)).ready;
    let next = 0;
    return {
      async run(n) {
        const end = next + n;
        const sent: Array<Promise<void>> = [];
        for (let i = next; i < end; i++) sent.push(pub.publish(SUBJECT, { n: i }));
        next = end;
        await Promise.all(sent);
        await sink.reach(end);
      },
      delivered: () => sink.count,
      checksum: () => sink.total,
      async teardown() {
        await Promise.all([pub.close(), sub.close()]);
        await c.end();
      },
    };
  },
};

const raw: Contestant = {
  name: 'postgres (naive)',
  role: 'peer',
  note: 'sql.listen(channel, cb) + sql.notify(channel, JSON.stringify(payload)) per message, all in flight at once over the pool (no order guarantee)',
  async setup(): Promise<Bench> {
    const c = clients();
    const channel = `bench_raw_${Date.now().toString(36)}`;
    const sink = new Sink();
    await c.sub.listen(channel, (text) => sink.add(JSON.parse(text) as Numbered));
    let next = 0;
    return {
      async run(n) {
        const end = next + n;
        const sent: Array<Promise<unknown>> = [];
        for (let i = next; i < end; i++) sent.push(c.pub.notify(channel, JSON.stringify({ n: i })));
        next = end;
        await Promise.all(sent);
        await sink.reach(end);
      },
      delivered: () => sink.count,
      checksum: () => sink.total,
      teardown: () => c.end(),
    };
  },
};

/**
 * What a careful user of `postgres` writes once they notice one NOTIFY per round trip is the bottleneck:
 * the publishes of one tick coalesced (queueMicrotask) into one statement,
 * `select pg_notify(channel, p) from unnest($1::text[]) as p`: one round trip per batch, notifications in
 * array order (PostgreSQL delivers a transaction's notifications in the order they were raised).
 */
const batched: Contestant = {
  name: 'postgres (hand-batched)',
  role: 'peer',
  note: 'sql.listen(channel, cb); publishes of one tick coalesced per microtask into one statement select pg_notify(channel, p) from unnest($payloads::text[]): one round trip per batch, in order',
  async setup(): Promise<Bench> {
    const c = clients();
    const channel = `bench_batched_${Date.now().toString(36)}`;
    const sink = new Sink();
    await c.sub.listen(channel, (text) => sink.add(JSON.parse(text) as Numbered));
    let pending: string[] | undefined;
    let flushed: Promise<unknown> = Promise.resolve();
    const publish = (text: string): Promise<unknown> => {
      if (pending === undefined) {
        const batch: string[] = (pending = []);
        flushed = Promise.resolve().then(() => {
          pending = undefined;
          return c.pub`select pg_notify(${channel}, p) from unnest(${batch}::text[]) as p`;
        });
      }
      pending.push(text);
      return flushed;
    };
    let next = 0;
    return {
      async run(n) {
        const end = next + n;
        const sent: Array<Promise<unknown>> = [];
        for (let i = next; i < end; i++) sent.push(publish(JSON.stringify({ n: i })));
        next = end;
        await Promise.all(sent);
        await sink.reach(end);
      },
      delivered: () => sink.count,
      checksum: () => sink.total,
      teardown: () => c.end(),
    };
  },
};

const pubsub: Scenario = {
  name: 'postgres/pubsub',
  unit: 'msg/s',
  description: 'one small JSON message published on one client and delivered through LISTEN on another, a burst of publishes per run; msg/s until every message arrived',
  notMeasured:
    'PostgreSQL server CPU, notifications inside the application\'s own transactions, payloads near the 8000-byte limit, many listeners or channels, ' +
    'latency of a single message. isoflux sends a JSON envelope (subject, id) the raw peers do not.',
  expectedDeliveries: (ops) => ops,
  contestants: [isoflux, batched, raw],
  target: { text: '≥ 1.0x hand-batched NOTIFY', conditions: [{ peer: 'postgres (hand-batched)', minRatio: 1 }] },
};

const group: BenchGroup = {
  name: 'postgres',
  async check() {
    const sql = postgres(PG_URL, { ...options, connect_timeout: 3 });
    try {
      await sql`select 1`;
    } catch (error) {
      throw new BenchUnavailableError(
        `PostgreSQL is not reachable at ${PG_URL} (${(error as Error).message}). Start it: pg_ctlcluster --skip-systemctl-redirect 15 main start (Debian: apt-get install -y postgresql), or set PG_URL.`,
      );
    } finally {
      await sql.end({ timeout: 1 });
    }
  },
  scenarios: [pubsub],
};

export default group;
