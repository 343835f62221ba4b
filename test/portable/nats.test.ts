/** NATS transport behaviour beyond the conformance suite, against the real server, in every runtime. */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { connectNats, createNatsBus, MSG_ID_HEADER, type NatsBus } from '../../src/nats/index.js';
import { textCodec, type Message, type StandardSchemaV1 } from '../../src/index.js';
import { Inbox, sleep } from './conformance/wait.js';

/** A hand-written Standard Schema (what zod/valibot expose), sync or async: `{ n: number }`. */
function numberRecord(mode: 'sync' | 'async'): StandardSchemaV1<unknown, { n: number }> {
  const check = (value: unknown) =>
    typeof value === 'object' && value !== null && typeof (value as { n?: unknown }).n === 'number'
      ? { value: value as { n: number } }
      : { issues: [{ message: 'expected a number', path: ['n'] }] };
  return {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value) => (mode === 'sync' ? check(value) : sleep(value !== null && typeof value === 'object' && (value as { n?: unknown }).n === 1 ? 30 : 0).then(() => check(value))),
    },
  };
}

describe('nats transport', () => {
  let nc: NatsConnection;
  let raw: NatsConnection;
  let bus: NatsBus;
  let root: string;
  let n = 0;

  beforeEach(async () => {
    const url = inject('natsWsUrl');
    [nc, raw] = await Promise.all([connectNats(url), connectNats(url)]);
    bus = createNatsBus(nc);
    root = `nt${Date.now().toString(36)}${(n++).toString(36)}`;
  });
  afterEach(async () => {
    await bus.close();
    await Promise.all([nc.close(), raw.close()]);
  });

  it('carries the id in Nats-Msg-Id and user headers as NATS headers, readable by plain nats-core', async () => {
    const seen = new Promise<{ id: string; tenant: string }>((resolve) => {
      raw.subscribe(`${root}.h`, { max: 1, callback: (_e, m) => resolve({ id: m.headers?.get(MSG_ID_HEADER) ?? '', tenant: m.headers?.get('x-tenant') ?? '' }) });
    });
    await raw.flush();
    await bus.publish(`${root}.h`, 1, { id: 'abc-1', headers: { 'x-tenant': 't1' } });
    expect(await seen).toEqual({ id: 'abc-1', tenant: 't1' });
  });

  it("messageIds: 'explicit' sends bare messages unless an id or headers are given", async () => {
    const lean = createNatsBus(nc, { messageIds: 'explicit' });
    const seen: Array<string | undefined> = [];
    const done = new Promise<void>((resolve) => {
      raw.subscribe(`${root}.lean`, {
        max: 2,
        callback: (_e, m) => {
          seen.push(m.headers?.get(MSG_ID_HEADER));
          if (seen.length === 2) resolve();
        },
      });
    });
    await raw.flush();
    await lean.publish(`${root}.lean`, 1);
    await lean.publish(`${root}.lean`, 2, { id: 'kept' });
    await done;
    expect(seen).toEqual([undefined, 'kept']);
    expect(() => createNatsBus(nc, { messageIds: 'sometimes' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    await lean.close();
  });

  it('delivers a message from plain nats-core (no headers) with a fresh id and no headers', async () => {
    const inbox = new Inbox();
    await bus.subscribe(`${root}.raw`, inbox.push).ready;
    raw.publish(`${root}.raw`, JSON.stringify({ from: 'raw' }));
    const [m] = await inbox.waitFor(1);
    expect(m?.payload).toEqual({ from: 'raw' });
    expect(m?.headers).toEqual({});
    expect(m?.id.length).toBeGreaterThan(0);
    expect(m?.hasAcker).toBe(false);
  });

  it('reports an undecodable message (handler not called, counter, raw bytes) and keeps going', async () => {
    const errors: Array<{ error: unknown; message?: Message<unknown> }> = [];
    const inbox = new Inbox();
    const sub = bus.subscribe(`${root}.bad`, inbox.push, { onError: (error, message) => errors.push({ error, message }) });
    await sub.ready;
    const h = natsHeaders();
    h.set(MSG_ID_HEADER, 'broken-1');
    // both on one connection, so the broken one arrives first
    raw.publish(`${root}.bad`, new Uint8Array([0x7b, 0xff, 0x00]), { headers: h });
    raw.publish(`${root}.bad`, JSON.stringify({ ok: true }));
    await inbox.waitFor(1);
    expect(inbox.payloads).toEqual([{ ok: true }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toMatchObject({ code: 'decode_failed', subject: `${root}.bad` });
    expect(errors[0]?.message?.id).toBe('broken-1');
    expect(errors[0]?.message?.payload).toEqual(new Uint8Array([0x7b, 0xff, 0x00]));
    expect(sub.stats).toMatchObject({ failed: 1, delivered: 1 });
    expect(sub.isClosed).toBe(false);
  });

  for (const mode of ['sync', 'async'] as const) {
    it(`rejects schema-invalid payloads (${mode} schema) without reordering the valid ones`, async () => {
      const errors: unknown[] = [];
      const inbox = new Inbox();
      const sub = bus.subscribe(`${root}.v`, inbox.push, { schema: numberRecord(mode), onError: (e) => errors.push(e) });
      await sub.ready;
      // the first message validates slowly in async mode: the later ones must still come after it
      for (const payload of [{ n: 1 }, { n: 'x' }, { n: 2 }, 'nope', { n: 3 }, { n: 4 }]) await bus.publish(`${root}.v`, payload);
      await inbox.waitFor(4); // { n: 4 } is the barrier: a subscription delivers in order
      expect(inbox.payloads).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
      expect(errors).toHaveLength(2);
      expect(errors[0]).toMatchObject({ code: 'invalid_payload' });
      expect((errors[0] as Error).message).toContain('n: expected a number');
      expect(sub.stats.failed).toBe(2);
    });
  }

  it('uses the bus codec on both sides', async () => {
    const a = createNatsBus(nc, { codec: textCodec() as never });
    const inbox = new Inbox();
    await a.subscribe(`${root}.t`, inbox.push).ready;
    await a.publish(`${root}.t`, 'héllo');
    expect((await inbox.waitFor(1))[0]?.payload).toBe('héllo');
    await expect(a.publish(`${root}.t`, 42)).rejects.toMatchObject({ code: 'not_serializable' });
    await a.close();
  });

  it('rejects a payload over the server max_payload before sending anything', async () => {
    const limit = nc.info?.max_payload ?? 0;
    expect(limit).toBeGreaterThan(0);
    const inbox = new Inbox();
    await bus.subscribe(`${root}.big`, inbox.push).ready;
    const error = await bus.publish(`${root}.big`, 'x'.repeat(limit)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'payload_too_large', limit });
    expect((error as { size: number }).size).toBeGreaterThan(limit);
    await bus.publish(`${root}.big`, 'small');
    await inbox.waitFor(1);
    expect(inbox.payloads).toEqual(['small']);
  });

  it('rejects headers NATS cannot carry with invalid_argument', async () => {
    await expect(bus.publish(`${root}.x`, 1, { headers: { 'bad name': 'v' } })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(bus.publish(`${root}.x`, 1, { headers: { ok: 'line\r\nbreak' } })).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('replies `undefined` for a responder that returns nothing, and passes reply headers', async () => {
    await bus.respond(`${root}.void`, () => undefined).ready;
    const reply = await bus.request(`${root}.void`, 1);
    expect(reply.payload).toBeUndefined();
  });

  it('spreads requests over a queue of responders', async () => {
    const hits = [0, 0];
    await Promise.all([0, 1].map((i) => bus.respond(`${root}.svc`, () => ++hits[i]!, { queue: 'svc' }).ready));
    for (let i = 0; i < 20; i++) await bus.request(`${root}.svc`, i);
    expect(hits[0]! + hits[1]!).toBe(20);
  });

  describe('after close', () => {
    it('a closed bus rejects publish/request with closed, throws on subscribe, and ends its subscriptions', async () => {
      const sub = bus.subscribe(`${root}.c`);
      await sub.ready;
      const reading = sub.fetch(1);
      await bus.close();
      expect(await reading).toEqual([]);
      expect(sub.isClosed).toBe(true);
      await expect(bus.publish(`${root}.c`, 1)).rejects.toMatchObject({ code: 'closed' });
      await expect(bus.request(`${root}.c`, 1)).rejects.toMatchObject({ code: 'closed' });
      expect(() => bus.subscribe(`${root}.c`, () => undefined)).toThrow(expect.objectContaining({ code: 'closed' }));
      expect(nc.isClosed()).toBe(false);
    });

    it('a pending request rejects with closed when the bus closes', async () => {
      const asked = new Inbox();
      await bus.subscribe(`${root}.slow`, asked.push).ready;
      const pending = bus.request(`${root}.slow`, 1, { timeoutMs: 5000 });
      await asked.waitFor(1); // the request is out; the responder never answers
      await bus.close();
      await expect(pending).rejects.toMatchObject({ code: 'closed' });
    });

    it('a closed connection closes the bus and its subscriptions', async () => {
      const sub = bus.subscribe(`${root}.c`, () => undefined);
      await sub.ready;
      await nc.close();
      await sub.closed;
      expect(bus.isClosed).toBe(true);
      await expect(bus.publish(`${root}.c`, 1)).rejects.toMatchObject({ code: 'closed' });
    });
  });
});
