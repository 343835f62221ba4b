/**
 * The HTTP handler as an attacker meets it (issue 12, point 2), in every runtime: cross-site "simple"
 * requests (CSRF), foreign origins, forged and credential headers, hostile path subjects and bodies that
 * never finish. Every refusal is a status plus a JSON body with a stable code, and no handler runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { textCodec } from '../../../src/index.js';
import {
  CREDENTIAL_HEADERS,
  DEFAULT_BODY_TIMEOUT_MS,
  createHttpClient,
  createHttpHandler,
  type HttpHandler,
  type HttpHandlerOptions,
} from '../../../src/http/index.js';
import { Inbox } from '../conformance/wait.js';
import { inProcessFetch } from '../http-fixtures.js';
import { ORIGIN, answer, hostile, postJson, within } from './http-fixtures.js';

const handlers: HttpHandler[] = [];
function serve(options: HttpHandlerOptions = {}): { handler: HttpHandler; inbox: Inbox } {
  const handler = createHttpHandler({ basePath: '/events/', ...options });
  handlers.push(handler);
  const inbox = new Inbox();
  handler.subscribe('>', inbox.push);
  return { handler, inbox };
}
afterEach(async () => {
  await Promise.all(handlers.splice(0).map((h) => h.close()));
});

describe('CSRF: only the codec’s content type runs a handler', () => {
  it('answers 415 to every body a cross-site page can send without a preflight, and to none', async () => {
    const { handler, inbox } = serve();
    const form = new FormData();
    form.set('n', '1');
    const simple: Array<[string, Request]> = [
      ['text/plain string', new Request(`${ORIGIN}/events/a`, { method: 'POST', body: '{"n":1}' })],
      ['urlencoded form', new Request(`${ORIGIN}/events/a`, { method: 'POST', body: new URLSearchParams({ n: '1' }) })],
      ['multipart form', new Request(`${ORIGIN}/events/a`, { method: 'POST', body: form })],
      ['untyped bytes', new Request(`${ORIGIN}/events/a`, { method: 'POST', body: new TextEncoder().encode('{"n":1}') })],
      ['no body', new Request(`${ORIGIN}/events/a`, { method: 'POST' })],
      ['text/plain forged as json param', hostile('/events/a', '{"n":1}', [['content-type', 'text/plain; x=application/json']])],
      ['two content types', hostile('/events/a', '{"n":1}', [['content-type', 'application/json'], ['content-type', 'text/plain']])],
    ];
    for (const [what, request] of simple) {
      const response = await handler.fetch(request);
      expect([what, response.status, response.headers.get('accept')]).toEqual([what, 415, 'application/json']);
      expect(await response.json()).toMatchObject({ code: 'unsupported_media_type' });
    }
    expect(inbox.messages).toHaveLength(0);
    expect(handler.stats.rejected).toBe(simple.length);
  });

  it('accepts application/json whatever its case and parameters', async () => {
    const { handler, inbox } = serve();
    for (const type of ['application/json', 'Application/JSON; charset=utf-8', ' application/json ;charset="UTF-8"']) {
      expect(await answer(await handler.fetch(hostile('/events/a', '1', [['content-type', type]])))).toBe('204 -');
    }
    expect(inbox.payloads).toEqual([1, 1, 1]);
  });

  it('the text codec travels as application/x-isoflux-text, so text/plain is refused there too', async () => {
    const handler = createHttpHandler({ codec: textCodec() as never });
    handlers.push(handler);
    const inbox = new Inbox();
    handler.subscribe('t', inbox.push);
    await createHttpClient(`${ORIGIN}/`, { codec: textCodec() as never, fetch: inProcessFetch(handler) }).publish('t', 'hello');
    expect(inbox.payloads).toEqual(['hello']);
    expect(await answer(await handler.fetch(new Request(`${ORIGIN}/t`, { method: 'POST', body: 'forged' })))).toBe('415 unsupported_media_type');
  });

  it('contentTypes widens the list; the client maps 415 to an unsupported error', async () => {
    const { handler, inbox } = serve({ contentTypes: ['application/json', 'application/cloudevents+json'] });
    expect(await answer(await handler.fetch(hostile('/events/ce', '{"n":2}', [['content-type', 'application/cloudevents+json']])))).toBe('204 -');
    expect(inbox.payloads).toEqual([{ n: 2 }]);
    const strict = serve().handler;
    const text = createHttpClient(`${ORIGIN}/events/`, { codec: textCodec() as never, fetch: inProcessFetch(strict) });
    await expect(text.publish('a', 'x' as never)).rejects.toMatchObject({ code: 'unsupported', name: 'UnsupportedMediaTypeError', accepted: ['application/json'] });
    for (const contentTypes of [[], ['json'], [42], 'application/json']) {
      expect(() => createHttpHandler({ contentTypes: contentTypes as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });
});

describe('allowedOrigins', () => {
  it('answers 403 forbidden_origin to any other Origin (null too); no Origin (a server, curl) passes', async () => {
    const { handler, inbox } = serve({ allowedOrigins: ['https://app.example', 'http://localhost:5173'] });
    const from = (origin: string | undefined) => postJson(handler, '/events/a', '1', origin === undefined ? [] : [['origin', origin]]).then(answer);
    expect(await from('https://app.example')).toBe('204 -');
    expect(await from('http://localhost:5173')).toBe('204 -');
    expect(await from(undefined)).toBe('204 -');
    for (const origin of ['https://evil.example', 'null', 'https://app.example.evil.example', 'http://app.example', 'https://APP.example', '']) {
      expect([origin, await from(origin)]).toEqual([origin, '403 forbidden_origin']);
    }
    expect(inbox.messages).toHaveLength(3);
  });

  it('the client reports a 403 as a typed forbidden error', async () => {
    // the handler's own 403 (a browser's fetch cannot forge Origin, so the answer is replayed as sent)
    const { handler } = serve({ allowedOrigins: ['https://app.example'] });
    const refused = await handler.fetch(hostile('/events/a', '1', [['content-type', 'application/json'], ['origin', 'https://evil.example']]));
    const status = refused.status;
    const body = await refused.text();
    const client = createHttpClient(`${ORIGIN}/events/`, { fetch: async () => new Response(body, { status, headers: { 'content-type': 'application/json' } }) });
    await expect(client.publish('a', 1)).rejects.toMatchObject({ code: 'forbidden', name: 'ForbiddenError' });
  });

  it('refuses entries that are not serialized origins', () => {
    for (const allowedOrigins of [['https://app.example/'], ['https://app.example/path'], ['app.example'], ['*'], [1], 'https://app.example']) {
      expect(() => createHttpHandler({ allowedOrigins: allowedOrigins as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
    expect(() => createHttpHandler({ allowedOrigins: ['null', 'https://a.example:8443'] })).not.toThrow();
  });
});

describe('header pass-through', () => {
  const listed = (names: string) => [['isoflux-headers', names] as const];

  it('refuses isoflux-* names, case duplicates and non-token names in the header list with 400 invalid_header', async () => {
    const { handler, inbox } = serve();
    const cases: Array<ReadonlyArray<readonly [string, string]>> = [
      [...listed('isoflux-id'), ['isoflux-id', 'forged']],
      [...listed('X-Tenant,ISOFLUX-Reply-Type'), ['x-tenant', 't'], ['isoflux-reply-type', 'undefined']],
      [...listed('X-Tenant,x-tenant'), ['x-tenant', 't']],
      [...listed('traceparent,TraceParent'), ['traceparent', '00-abc-def-01']],
      [...listed('bad name'), ['x', 'y']],
      [...listed('X-Name'), ['x-name', 'caf\u00e9']],
      [['isoflux-id', 'caf\u00e9']],
    ];
    for (const headers of cases) {
      const response = await postJson(handler, '/events/a', '1', headers);
      expect(await answer(response)).toBe('400 invalid_header');
    }
    expect(inbox.messages).toHaveLength(0);
  });

  it('never copies credentials (unless passHeaders names them) or framing / hop-by-hop headers', async () => {
    const { handler, inbox } = serve();
    const sensitive: Array<[string, string]> = [
      ['Authorization', 'Bearer secret'],
      ['Cookie', 'session=secret'],
      ['Proxy-Authorization', 'Basic c2VjcmV0'],
      ['Set-Cookie', 'a=b'],
      ['X-Api-Key', 'secret'],
      ['Connection', 'keep-alive'],
      ['Keep-Alive', 'timeout=5'],
      ['Transfer-Encoding', 'chunked'],
      ['Upgrade', 'websocket'],
      ['TE', 'trailers'],
      ['Trailer', 'x'],
      ['Host', 'evil.example'],
      ['Origin', 'https://evil.example'],
    ];
    const names = ['X-Tenant', ...sensitive.map(([n]) => n)].join(',');
    expect(await answer(await postJson(handler, '/events/a', '1', [...listed(names), ['x-tenant', 't1'], ...sensitive]))).toBe('204 -');
    expect(inbox.messages[0]?.headers).toEqual({ 'X-Tenant': 't1' });
    expect(CREDENTIAL_HEADERS).toContain('authorization');
  });

  it('passHeaders lets named credentials in, listed or not, and refuses names that could never be relayed', async () => {
    const { handler, inbox } = serve({ passHeaders: ['Authorization', 'X-Hub-Signature-256'] });
    const headers: Array<[string, string]> = [['authorization', 'Bearer t'], ['x-hub-signature-256', 'sha256=ab'], ['x-api-key', 'k']];
    await postJson(handler, '/events/a', '1', [...listed('X-Api-Key'), ...headers]);
    expect(inbox.messages[0]?.headers).toEqual({ Authorization: 'Bearer t', 'X-Hub-Signature-256': 'sha256=ab' });
    for (const passHeaders of [['host'], ['Cookie'], ['isoflux-id'], ['bad name'], ['X-A', 'x-a'], 'authorization']) {
      expect(() => createHttpHandler({ passHeaders: passHeaders as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });

  it('a received message can always be relayed: createHttpClient().publish(…, { headers: m.headers })', async () => {
    const downstream = serve({ basePath: '/down/' });
    const client = createHttpClient(`${ORIGIN}/down/`, { fetch: inProcessFetch(downstream.handler) });
    const upstream = createHttpHandler({ basePath: '/events/' });
    handlers.push(upstream);
    const relayed: unknown[] = [];
    upstream.subscribe('>', (m) => client.publish(m.subject, m.payload, { headers: m.headers, id: m.id }).catch((e: unknown) => void relayed.push(e)));
    const request: Array<[string, string]> = [
      ['isoflux-id', 'm-1'],
      ['isoflux-headers', 'X-Tenant, Cookie ,Host,Connection,Authorization,traceparent,__proto__,Content-Type,Referer'],
      ['x-tenant', 't1'],
      ['cookie', 's=1'],
      ['host', 'evil.example'],
      ['connection', 'close'],
      ['authorization', 'Bearer x'],
      ['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
      ['tracestate', 'vendor=1'],
      ['__proto__', 'p'],
      ['referer', 'https://evil.example/'],
    ];
    expect(await answer(await postJson(upstream, '/events/orders.created', '{"n":1}', request))).toBe('204 -');
    expect(relayed).toEqual([]);
    const [m] = downstream.inbox.messages;
    expect([m?.subject, m?.payload, m?.id]).toEqual(['orders.created', { n: 1 }, 'm-1']);
    expect(Object.entries(m?.headers ?? {}).sort()).toEqual([
      ['X-Tenant', 't1'],
      ['__proto__', 'p'],
      ['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
      ['tracestate', 'vendor=1'],
    ]);
  });
});

describe('subjects from paths', () => {
  it('refuses NUL, control characters and / (encoded or not) with 400 invalid_subject', async () => {
    const { handler, inbox } = serve();
    const paths = ['a%00b', 'a%01b', 'a%1Fb', 'a%7Fb', 'a%C2%85b', 'a%2Fb', 'a%2fb', 'a/b', 'a.b/c.d', '%2F', 'a%0Bb', 'a%09b', 'a%20b', 'a..b', 'a.*', 'a%FFb', 'a%E0%80%AFb'];
    for (const path of paths) {
      expect([path, await answer(await postJson(handler, `/events/${path}`, '1'))]).toEqual([path, '400 invalid_subject']);
    }
    expect(inbox.messages).toHaveLength(0);
    expect(await answer(await postJson(handler, '/events/a%2Eb.%C3%BC', '1'))).toBe('204 -');
    expect(inbox.messages.map((m) => m.subject)).toEqual(['a.b.ü']);
  });

  it('the client refuses such subjects before sending', async () => {
    let calls = 0;
    const client = createHttpClient(`${ORIGIN}/`, { fetch: async () => (calls++, new Response(null, { status: 204 })) });
    for (const subject of ['a/b', 'a\u0000b', 'a\u0007b', 'a\u007fb', 'a\u0085b', 'a\ud800b']) {
      await expect(client.publish(subject, 1)).rejects.toMatchObject({ code: 'invalid_subject' });
    }
    expect(calls).toBe(0);
  });
});

describe('body deadline', () => {
  const stalled = (onCancel: () => void, trickle = false) =>
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!trickle) return new Promise<void>(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 5));
        controller.enqueue(new Uint8Array([0x20]));
      },
      cancel: onCancel,
    });

  it('answers 408 timeout to a body that stalls or trickles past bodyTimeoutMs, and cancels it', async () => {
    const { handler, inbox } = serve({ bodyTimeoutMs: 60 });
    for (const trickle of [false, true]) {
      let cancelled = false;
      const request = hostile('/events/a', stalled(() => void (cancelled = true), trickle), [['content-type', 'application/json']], { duplex: 'half' } as RequestInit);
      const started = Date.now();
      const response = await within(2000, handler.fetch(request), 'the answer to a stalled body');
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);
      expect([response.status, await response.json()]).toEqual([408, expect.objectContaining({ code: 'timeout', limit: 60 })]);
      expect(cancelled).toBe(true);
    }
    expect(inbox.messages).toHaveLength(0);
  });

  it('defaults to 30 s, accepts Infinity, refuses other values', () => {
    expect(DEFAULT_BODY_TIMEOUT_MS).toBe(30_000);
    expect(() => createHttpHandler({ bodyTimeoutMs: Number.POSITIVE_INFINITY })).not.toThrow();
    for (const bodyTimeoutMs of [0, -1, Number.NaN, '5' as never]) {
      expect(() => createHttpHandler({ bodyTimeoutMs })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });

  it('answers 400 aborted (never rejects) when the body stream fails', async () => {
    const { handler } = serve();
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('client went away'));
      },
    });
    const response = await handler.fetch(hostile('/events/a', failing, [['content-type', 'application/json']], { duplex: 'half' } as RequestInit));
    expect(await answer(response)).toBe('400 aborted');
  });

  it('the client maps 408 to timeout', async () => {
    const client = createHttpClient(`${ORIGIN}/`, { fetch: async () => Response.json({ code: 'timeout', message: 'slow', limit: 5 }, { status: 408 }) });
    await expect(client.publish('a', 1)).rejects.toMatchObject({ code: 'timeout', name: 'BodyTimeoutError', timeoutMs: 5 });
  });
});
