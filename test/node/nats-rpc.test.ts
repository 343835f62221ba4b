/**
 * Request/reply on the wire, against the real server: isoflux and plain nats-core requesters and responders
 * interoperate in both directions, and a request the responder cannot read is answered, not left to time out.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { headers as natsHeaders, wsconnect, type NatsConnection } from '@nats-io/nats-core';
import { connectNats, createNatsBus, MSG_ID_HEADER, RequestRejectedError, type NatsBus } from '../../src/nats/index.js';
import { textCodec, type Message } from '../../src/index.js';

const decoder = new TextDecoder();
const numberSchema = {
  '~standard': {
    version: 1 as const,
    vendor: 'test',
    validate: (value: unknown) => (typeof value === 'number' ? { value } : { issues: [{ message: 'expected a number' }] }),
  },
};

let nc: NatsConnection;
let plain: NatsConnection;
let bus: NatsBus;
let root: string;
let n = 0;
beforeEach(async () => {
  const url = inject('natsWsUrl');
  [nc, plain] = await Promise.all([connectNats(url), wsconnect({ servers: url })]);
  bus = createNatsBus(nc);
  root = `rpc${Date.now().toString(36)}${(n++).toString(36)}`;
});
afterEach(async () => {
  await bus.close();
  await Promise.all([nc.close(), plain.close()]);
});

describe('a request the responder cannot read', () => {
  it('is answered with decode_failed at once (not a timeout), and the responder reports it', async () => {
    const errors: unknown[] = [];
    let handled = 0;
    await bus.respond(`${root}.json`, () => ++handled, { onError: (e) => errors.push(e) }).ready;
    const textBus = createNatsBus(nc, { codec: textCodec() as never });
    const started = Date.now();
    const error = await textBus.request(`${root}.json`, 'not { json', { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(RequestRejectedError);
    expect(error).toMatchObject({ code: 'decode_failed', subject: `${root}.json` });
    expect(handled).toBe(0);
    expect(errors).toEqual([expect.objectContaining({ code: 'decode_failed' })]);
    // a plain nats-core requester sees the same answer in the error headers
    const reply = await plain.request(`${root}.json`, new Uint8Array([0xff]), { timeout: 1000 });
    expect(reply.headers?.get('isoflux-error-code')).toBe('decode_failed');
    await textBus.close();
  });

  it('is answered with invalid_payload when the schema rejects it', async () => {
    await bus.respond(`${root}.num`, (m) => (m.payload as number) * 2, { schema: numberSchema, onError: () => undefined }).ready;
    expect((await bus.request(`${root}.num`, 21)).payload).toBe(42);
    await expect(bus.request(`${root}.num`, 'twenty', { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'invalid_payload' });
  });
});

describe('a plain nats-core requester and an isoflux responder', () => {
  it('share headers and ids both ways; the reply is plain JSON', async () => {
    const seen: Message<unknown>[] = [];
    await bus.respond(`${root}.svc`, (m) => {
      seen.push(m);
      return { echo: m.payload };
    }).ready;
    const h = natsHeaders();
    h.set(MSG_ID_HEADER, 'plain-req-1');
    h.set('x-tenant', 't1');
    const reply = await plain.request(`${root}.svc`, JSON.stringify({ q: 1 }), { timeout: 2000, headers: h });
    expect(JSON.parse(decoder.decode(reply.data))).toEqual({ echo: { q: 1 } });
    expect(reply.headers?.get(MSG_ID_HEADER).length).toBeGreaterThan(0);
    expect(seen[0]).toMatchObject({ id: 'plain-req-1', headers: { 'x-tenant': 't1' }, payload: { q: 1 } });
    // without headers: a fresh id, no headers
    await plain.request(`${root}.svc`, JSON.stringify(2), { timeout: 2000 });
    expect(seen[1]?.headers).toEqual({});
    expect(seen[1]?.id.length).toBeGreaterThan(0);
  });

  it('gets the thrown error in headers; and no-responders (503) once the responder is gone', async () => {
    const responder = bus.respond(`${root}.fail`, () => {
      throw Object.assign(new Error('out of stock'), { code: 'out_of_stock' });
    }, { onError: () => undefined });
    await responder.ready;
    const reply = await plain.request(`${root}.fail`, JSON.stringify(1), { timeout: 2000 });
    expect(reply.headers?.get('isoflux-error-code')).toBe('out_of_stock');
    expect(reply.headers?.get('isoflux-error')).toBe('out of stock');
    await responder.unsubscribe();
    await nc.flush();
    await expect(plain.request(`${root}.fail`, JSON.stringify(1), { timeout: 2000 })).rejects.toMatchObject({ name: expect.stringMatching(/NoResponders|RequestError/) });
  });
});

describe('an isoflux requester and a plain nats-core responder', () => {
  it('sends the id and headers; reads the reply payload, headers and id', async () => {
    const got: Array<{ id: string | undefined; tenant: string | undefined; body: string }> = [];
    plain.subscribe(`${root}.plain`, {
      callback: (_e, m) => {
        got.push({ id: m.headers?.get(MSG_ID_HEADER), tenant: m.headers?.get('x-tenant'), body: decoder.decode(m.data) });
        const h = natsHeaders();
        h.set(MSG_ID_HEADER, 'plain-reply-1');
        h.set('x-served-by', 'plain');
        m.respond(JSON.stringify({ ok: true }), { headers: h });
      },
    });
    plain.subscribe(`${root}.empty`, { callback: (_e, m) => void m.respond() });
    await plain.flush();
    const reply = await bus.request(`${root}.plain`, { ask: 1 }, { id: 'iso-req-1', headers: { 'x-tenant': 't2' } });
    expect(got).toEqual([{ id: 'iso-req-1', tenant: 't2', body: '{"ask":1}' }]);
    expect(reply).toMatchObject({ payload: { ok: true }, id: 'plain-reply-1', headers: { 'x-served-by': 'plain' } });
    expect((await bus.request(`${root}.empty`, 1)).payload).toBeUndefined();
  });

  it('rejects with no_responders at once when nobody subscribes (the server answers 503)', async () => {
    const started = Date.now();
    await expect(bus.request(`${root}.nobody`, 1, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'no_responders' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects with decode_failed when the plain reply is not in the bus codec', async () => {
    plain.subscribe(`${root}.garbage`, { callback: (_e, m) => void m.respond(new Uint8Array([0x7b, 0xff])) });
    await plain.flush();
    await expect(bus.request(`${root}.garbage`, 1)).rejects.toMatchObject({ code: 'decode_failed' });
  });
});
