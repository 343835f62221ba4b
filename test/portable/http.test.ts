/**
 * The http transport with the handler called directly (`handler.fetch(request)`): status codes, bad input,
 * hostile subjects, the body limit, request/reply, and how the client maps each answer to a typed error.
 * Runs in every runtime (the same `(Request) => Response` function a Worker or Deno.serve would run).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { bytesCodec, type Message } from '../../src/index.js';
import { createHttpClient, createHttpHandler, type HttpHandler, type HttpHandlerOptions } from '../../src/http/index.js';
import { Inbox, sleep } from './conformance/wait.js';
import { gate } from './waits.js';
import { inProcessFetch } from './http-fixtures.js';

const BASE = 'http://isoflux.test/events/';
const handlers: HttpHandler[] = [];

function setup(options: HttpHandlerOptions = {}) {
  const handler = createHttpHandler({ basePath: '/events/', ...options });
  handlers.push(handler);
  const client = createHttpClient(BASE, { fetch: inProcessFetch(handler) });
  return { handler, client };
}

/** A POST of a JSON body (as any HTTP client would send it) straight into the handler. */
const post = (handler: HttpHandler, path: string, body: BodyInit | null, init: RequestInit = {}): Promise<Response> => {
  const headers = new Headers(init.headers);
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return handler.fetch(new Request(`http://isoflux.test${path}`, { method: 'POST', body, ...init, headers }));
};

afterEach(async () => {
  await Promise.all(handlers.splice(0).map((h) => h.close()));
});

describe('http handler: status codes', () => {
  it('answers 204 once the handler finished, with subject, payload, headers (case kept) and id', async () => {
    const { handler } = setup();
    const seen: string[] = [];
    handler.subscribe('orders.*', async (m) => {
      await sleep(20);
      seen.push(`${m.subject} ${JSON.stringify(m.payload)} ${m.id} ${JSON.stringify(m.headers)}`);
    });
    const response = await post(handler, '/events/orders.created', '{"n":1}', {
      headers: { 'isoflux-id': 'm-1', 'isoflux-headers': 'X-Tenant,traceparent', 'x-tenant': 't1', traceparent: '00-abc-def-01', 'x-other': 'ignored' },
    });
    expect(response.status).toBe(204);
    expect(seen).toEqual(['orders.created {"n":1} m-1 {"X-Tenant":"t1","traceparent":"00-abc-def-01"}']);
    expect(handler.stats).toMatchObject({ handled: 1, rejected: 0, failed: 0 });
  });

  it('answers 405 with Allow: POST to other methods', async () => {
    const { handler } = setup();
    handler.subscribe('a', () => undefined);
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const response = await handler.fetch(new Request('http://isoflux.test/events/a', { method, body: method === 'GET' ? null : 'x' }));
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
  });

  it('answers 404 when no subscription matches, or the path is outside basePath', async () => {
    const { handler } = setup();
    handler.subscribe('a.*', () => undefined);
    expect((await post(handler, '/events/b.c', '1')).status).toBe(404);
    expect((await post(handler, '/elsewhere/a.b', '1')).status).toBe(404);
    expect(await (await post(handler, '/events/a', '1')).json()).toMatchObject({ code: 'no_responders' });
  });

  it('answers 400 to garbage, bad UTF-8, schema-invalid payloads and invalid subjects, without calling the handler', async () => {
    const { handler } = setup({ schema: v.object({ n: v.number() }) });
    const inbox = new Inbox();
    handler.subscribe('in', inbox.push);
    const answers = await Promise.all([
      post(handler, '/events/in', '{not json'),
      post(handler, '/events/in', new Uint8Array([0x7b, 0xff, 0x7d])),
      post(handler, '/events/in', ''),
      post(handler, '/events/in', '{"n":"one"}'),
      post(handler, '/events/in.*', '{"n":1}'),
      post(handler, '/events/in%2', '{"n":1}'),
      post(handler, '/events/in%20x', '{"n":1}'),
    ]);
    expect(answers.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400, 400]);
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as Array<{ code: string; issues?: unknown[] }>;
    expect(bodies.map((b) => b.code)).toEqual(['decode_failed', 'decode_failed', 'decode_failed', 'invalid_payload', 'invalid_subject', 'invalid_subject', 'invalid_subject']);
    expect(bodies[3]?.issues).toHaveLength(1);
    expect(inbox.messages).toHaveLength(0);
    expect(handler.stats.rejected).toBe(7);
  });

  it('answers 413 over maxBodyBytes, by Content-Length or by counting a streamed body', async () => {
    const { handler } = setup({ maxBodyBytes: 1000 });
    const inbox = new Inbox();
    handler.subscribe('big', inbox.push);
    expect((await post(handler, '/events/big', JSON.stringify('x'.repeat(998)))).status).toBe(204);
    const announced = await post(handler, '/events/big', JSON.stringify('x'.repeat(999)));
    expect(announced.status).toBe(413);
    expect(await announced.json()).toMatchObject({ code: 'payload_too_large', limit: 1000, size: 1001 });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode('"'.padEnd(300, 'y')));
      },
    });
    const streamed = await post(handler, '/events/big', endless, { duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(pulled).toBeLessThan(10);
    expect(inbox.messages).toHaveLength(1);
  });

  it('answers 500 with the error code and message when a handler throws; exposeErrors: false hides them', async () => {
    for (const exposeErrors of [true, false]) {
      const errors: unknown[] = [];
      const { handler } = setup({ exposeErrors, onError: (e) => errors.push(e) });
      handler.subscribe('fail', () => {
        throw Object.assign(new Error('secret detail'), { code: 'out_of_stock' });
      });
      const response = await post(handler, '/events/fail', '1');
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual(exposeErrors ? { code: 'out_of_stock', message: 'secret detail' } : { code: 'handler_error', message: 'the handler failed' });
      expect(errors).toHaveLength(1);
      expect(handler.stats.failed).toBe(1);
    }
  });

  it('answers 503 once closed', async () => {
    const { handler } = setup();
    handler.subscribe('a', () => undefined);
    await handler.close();
    expect((await post(handler, '/events/a', '1')).status).toBe(503);
    expect(() => handler.subscribe('a', () => undefined)).toThrow(expect.objectContaining({ code: 'closed' }));
  });

  it('answers 202 at once with untilHandled: false and hands the handlers work to waitUntil', async () => {
    const work: Array<Promise<unknown>> = [];
    const { handler } = setup({ untilHandled: false, waitUntil: (p) => work.push(p) });
    let done = false;
    const finish = gate();
    handler.subscribe('slow', async () => {
      await finish.promise; // still working when the answer goes out, however slow the machine
      done = true;
    });
    expect((await post(handler, '/events/slow', '1')).status).toBe(202);
    expect(done).toBe(false);
    finish.open();
    await Promise.all(work);
    expect(done).toBe(true);
    expect((await post(handler, '/events/nobody', '1')).status).toBe(202);
  });

  it('rejects bad options with invalid_argument', () => {
    expect(() => createHttpHandler({ basePath: 'events' })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => createHttpHandler({ maxBodyBytes: -1 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => createHttpHandler({ ack: 'eventually' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => createHttpClient('not a url')).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => createHttpClient('http://x.test/a?b=1')).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});

describe('http client', () => {
  it('carries hostile subjects exactly (quotes, semicolons, backslashes, ?, #, %, unicode, very long)', async () => {
    const { handler, client } = setup();
    const inbox = new Inbox();
    handler.subscribe('>', inbox.push);
    const subjects = [`it's."quoted"`, 'a;drop_table_x;--', 'path\\%2e%2e\\etc', 'x.%2e%2e%2fetc', 'q?x=1#frag', '100%.done', 'ünï.cødé.🚀', `long.${'z'.repeat(3000)}`];
    for (const s of subjects) await client.publish(s, s);
    expect(inbox.messages.map((m) => m.subject)).toEqual(subjects);
    expect(inbox.payloads).toEqual(subjects);
  });

  it('maps every refusal to a typed error', async () => {
    // octet-stream accepted too, so a bytes client can send invalid JSON past the content-type check
    const { handler, client } = setup({ schema: v.object({ n: v.number() }), maxBodyBytes: 50, contentTypes: ['application/json', 'application/octet-stream'] });
    handler.subscribe('ok', () => undefined);
    handler.subscribe('boom', () => {
      throw new Error('kaput');
    }, { onError: () => undefined });
    await expect(client.publish('nobody', { n: 1 })).rejects.toMatchObject({ code: 'no_responders', subject: 'nobody' });
    await expect(client.publish('ok', { n: 'x' })).rejects.toMatchObject({ code: 'invalid_payload', issues: [expect.objectContaining({ message: expect.any(String) })] });
    await expect(client.publish('ok', { n: 1, pad: 'x'.repeat(100) })).rejects.toMatchObject({ code: 'payload_too_large', limit: 50 });
    await expect(client.publish('boom', { n: 1 })).rejects.toMatchObject({ code: 'remote_error', remoteCode: 'handler_error' });
    const bytesClient = createHttpClient(BASE, { fetch: inProcessFetch(handler), codec: bytesCodec() as never });
    await expect(bytesClient.publish('ok', new Uint8Array([0xff]) as never)).rejects.toMatchObject({ code: 'decode_failed' });
    await expect(client.publish('ok.*', 1)).rejects.toMatchObject({ code: 'invalid_subject' });
    expect(handler.stats).toMatchObject({ handled: 0, rejected: 4, failed: 1 });
  });

  it('refuses before sending: payloads over maxBodyBytes, unserializable payloads, headers HTTP would alter', async () => {
    let calls = 0;
    const client = createHttpClient(BASE, { maxBodyBytes: 10, fetch: async () => (calls++, new Response(null, { status: 204 })) });
    await expect(client.publish('a', 'x'.repeat(20))).rejects.toMatchObject({ code: 'payload_too_large', limit: 10 });
    await expect(client.publish('a', 10n as never)).rejects.toMatchObject({ code: 'not_serializable' });
    const refused: Array<Record<string, string>> = [{ 'bad name': 'v' }, { host: 'evil' }, { 'isoflux-id': 'x' }, { a: 'line\r\nbreak' }, { a: ' padded ' }, { a: 'ünicode' }, { A: '1', a: '2' }];
    for (const headers of refused) {
      await expect(client.publish('a', 1, { headers })).rejects.toMatchObject({ code: 'invalid_argument' });
    }
    expect(calls).toBe(0);
  });

  it('maps other statuses (a proxy page) to remote_error and a failed fetch to connection_failed', async () => {
    const proxy = createHttpClient(BASE, { fetch: async () => new Response('<html>Bad gateway</html>', { status: 502 }) });
    await expect(proxy.publish('a', 1)).rejects.toMatchObject({ code: 'remote_error', remoteCode: 'http_502' });
    const down = createHttpClient(BASE, {
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    await expect(down.publish('a', 1)).rejects.toMatchObject({ code: 'connection_failed' });
  });

  it('times out and aborts', async () => {
    const { handler } = setup();
    const stuck = gate(); // the handler finishes only after the test: every timeout here is the client's
    handler.subscribe('slow', () => stuck.promise);
    const client = createHttpClient(BASE, { fetch: inProcessFetch(handler), requestTimeoutMs: 30 });
    await expect(client.publish('slow', 1)).rejects.toMatchObject({ code: 'timeout' });
    const patient = createHttpClient(BASE, { fetch: inProcessFetch(handler) });
    await expect(patient.publish('slow', 1, { timeoutMs: 30 })).rejects.toMatchObject({ code: 'timeout' });
    const controller = new AbortController();
    const pending = client.publish('slow', 1, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
    await expect(client.publish('slow', 1, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
    stuck.open();
  });
});

describe('http request/reply', () => {
  it('returns the reply (also undefined), errors as remote_error, no_responders without a responder', async () => {
    const { handler, client } = setup();
    handler.respond('math.double', (m: Message<unknown>) => (m.payload as number) * 2);
    handler.respond('math.nothing', () => undefined);
    handler.respond('math.fail', () => {
      throw Object.assign(new Error('division by zero'), { code: 'math' });
    }, { onError: () => undefined });
    handler.subscribe('math.log', () => undefined);
    const reply = await client.request('math.double', 21);
    expect(reply.payload).toBe(42);
    expect(typeof reply.id).toBe('string');
    expect((await client.request('math.nothing', 1)).payload).toBeUndefined();
    await expect(client.request('math.fail', 1)).rejects.toMatchObject({ code: 'remote_error', remoteCode: 'math' });
    await expect(client.request('math.log', 1)).rejects.toMatchObject({ code: 'no_responders' });
    await expect(client.request('math.none', 1)).rejects.toMatchObject({ code: 'no_responders' });
    const stuck = gate<number>();
    handler.respond('math.slow', () => stuck.promise);
    await expect(client.request('math.slow', 1, { timeoutMs: 30 })).rejects.toMatchObject({ code: 'timeout' });
    stuck.open(1);
  });
});
