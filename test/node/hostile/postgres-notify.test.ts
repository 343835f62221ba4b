/**
 * Forged notifications from a plain `postgres` session (no isoflux) on a bus's channels, through the real
 * PostgreSQL: not JSON, a wrong envelope, the largest payload PostgreSQL carries, invalid subjects and a
 * subject smuggled in on another partition's channel. Each is dropped with a typed `EnvelopeError` report,
 * and the subscription keeps working. What it cannot stop (a valid envelope from any session that may
 * NOTIFY) is shown too: database roles are the boundary.
 */
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import postgres from 'postgres';
import { EnvelopeError, createPostgresBus, type PostgresBus } from '../../../src/postgres/index.js';
import { Inbox } from '../../portable/conformance/wait.js';

type Sql = ReturnType<typeof postgres>;
let attacker: Sql;
let own: Sql;
const buses: PostgresBus[] = [];
let n = 0;
const freshNamespace = (): string => `h_${Date.now().toString(36)}_${(n++).toString(36)}`;

beforeAll(() => {
  const url = inject('pgUrl');
  attacker = postgres(url, { onnotice: () => undefined, max: 1 });
  own = postgres(url, { onnotice: () => undefined, max: 2 });
});
afterAll(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
  await Promise.all([attacker.end({ timeout: 1 }), own.end({ timeout: 1 })]);
});

/** NOTIFYs each payload from the attacker's session, in order, in one statement. */
async function forge(channel: string, payloads: string[]): Promise<void> {
  await attacker.unsafe('select pg_notify($1, p) from unnest($2::text[]) with ordinality as t(p, o) order by o', [channel, payloads]);
}

const envelope = (meta: unknown, body: string): string => `${JSON.stringify(meta)}\n${body}`;

describe('postgres: forged NOTIFY payloads from a plain client', () => {
  it('drops each with a typed report and keeps the subscription working', async () => {
    const namespace = freshNamespace();
    const errors: unknown[] = [];
    const bus = createPostgresBus(own, { namespace, onError: (e) => void errors.push(e) });
    buses.push(bus);
    const inbox = new Inbox();
    await bus.subscribe('orders.>', inbox.push).ready;
    const forged = [
      'not json at all',
      '{"s":"orders.created"}',
      '{"s":"orders.created","i":"x"',
      envelope({ s: 'orders.created' }, '{}'),
      envelope({ s: 'orders..created', i: 'x' }, '{}'),
      envelope({ s: 'orders created', i: 'x' }, '{}'),
      envelope({ s: 'orders.*', i: 'x' }, '{}'),
      envelope({ s: 'orders.created', i: 'x', h: { n: 1 } }, '{}'),
      envelope({ s: 'orders.created', i: 'x', b: 1 }, '%%%not-base64'),
      envelope({ s: 'orders.created', i: 'x', b: 2 }, '{}'),
      // the largest payload PostgreSQL carries (7999 bytes), all garbage; 8000 fails in the attacker's own session
      `${'{'.repeat(3999)}\n${'x'.repeat(3999)}`,
    ];
    await forge(namespace, forged);
    await expect(forge(namespace, ['y'.repeat(8000)])).rejects.toThrow(/payload string too long/);
    // the sentinel: a valid envelope from the same session arrives after every forgery (one session: in order)
    await forge(namespace, [envelope({ s: 'orders.sentinel', i: 'sentinel' }, '"after"')]);
    await inbox.waitFor(1);
    expect(errors.map((e) => (e instanceof EnvelopeError ? `${e.code}/${e.fault}` : String(e)))).toEqual([
      'decode_failed/no_metadata',
      'decode_failed/no_metadata',
      'decode_failed/no_metadata',
      'decode_failed/not_an_envelope',
      'decode_failed/invalid_subject',
      'decode_failed/invalid_subject',
      'decode_failed/invalid_subject',
      'decode_failed/bad_headers',
      'decode_failed/bad_body',
      'decode_failed/not_an_envelope',
      'decode_failed/metadata_not_json',
    ]);
    expect(bus.stats.foreign).toBe(forged.length);
    // what a database role that may NOTIFY can always do: a well-formed envelope is a message
    expect(inbox.messages.map((m) => [m.subject, m.id, m.payload])).toEqual([['orders.sentinel', 'sentinel', 'after']]);
    await bus.publish('orders.created', { total: 1 });
    expect((await inbox.waitFor(2))[1]?.payload).toEqual({ total: 1 });
  });

  it('a subject smuggled in on another partition’s channel is refused as wrong_channel', async () => {
    const namespace = freshNamespace();
    const errors: unknown[] = [];
    const bus = createPostgresBus(own, { namespace, partitionTokens: 1, onError: (e) => void errors.push(e) });
    buses.push(bus);
    const orders = new Inbox();
    const users = new Inbox();
    const listening: string[] = [];
    const probe = createPostgresBus(own, { namespace, partitionTokens: 1, onListen: (c) => void listening.push(c) });
    buses.push(probe);
    await probe.subscribe('users.x', () => undefined).ready;
    const [usersChannel] = listening;
    await bus.subscribe('orders.>', orders.push).ready;
    await bus.subscribe('users.>', users.push).ready;
    await forge(usersChannel as string, [envelope({ s: 'orders.refund', i: 'forged' }, '{"amount":1000}'), envelope({ s: 'users.sentinel', i: 's' }, '1')]);
    await users.waitFor(1);
    expect(orders.messages).toHaveLength(0);
    expect(errors.map((e) => (e as EnvelopeError).fault)).toEqual(['wrong_channel']);
  });

  it('a throwing onError does not break the listening connection', async () => {
    const namespace = freshNamespace();
    let reports = 0;
    const bus = createPostgresBus(own, {
      namespace,
      onError: () => {
        reports++;
        throw new Error('buggy error handler');
      },
    });
    buses.push(bus);
    const inbox = new Inbox();
    await bus.subscribe('ok', inbox.push).ready;
    await forge(namespace, ['forged', envelope({ s: 'ok', i: 'after' }, '1')]);
    await inbox.waitFor(1);
    expect(reports).toBe(1);
    await bus.publish('ok', 2);
    expect((await inbox.waitFor(2)).map((m) => m.payload)).toEqual([1, 2]);
  });
});
