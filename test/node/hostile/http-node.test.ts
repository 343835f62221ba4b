/**
 * The HTTP handler behind Node's `http.createServer` + `toNodeListener`, attacked over raw loopback
 * sockets (a real HTTP parser, bytes an attacker chooses): methods a fetch `Request` cannot carry, a body
 * that stalls, cross-site simple requests, forged headers. Plus a fast-check property driving
 * `toNodeListener` with arbitrary methods, URLs and header maps: never a 500, never a throw, always an end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { createHttpHandler, toNodeListener, type NodeRequestLike, type NodeResponseLike } from '../../../src/http/index.js';
import { Inbox } from '../../portable/conformance/wait.js';
import { within } from '../../portable/hostile/http-fixtures.js';

const BODY_TIMEOUT_MS = 150;
const handler = createHttpHandler({ basePath: '/events/', bodyTimeoutMs: BODY_TIMEOUT_MS });
const inbox = new Inbox();
handler.subscribe('>', inbox.push);
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer(toNodeListener(handler.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ({ port } = server.address() as { port: number });
});
afterAll(async () => {
  await handler.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface RawAnswer {
  /** The status line and headers, as received. */
  readonly head: string;
  readonly status: number;
  /** The body, de-chunked. */
  readonly body: string;
}

/** Decodes a `transfer-encoding: chunked` body. */
function dechunk(text: string): string {
  let out = '';
  for (let at = 0; ; ) {
    const eol = text.indexOf('\r\n', at);
    const size = Number.parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/**
 * Writes `request` to a fresh TCP connection (and nothing more: a short body then stalls) and resolves with
 * the answer once the server closed the connection: a test that needs the server to hang up by itself
 * sends no `Connection: close`.
 */
function raw(request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => void (data += chunk.toString('latin1')));
    socket.on('close', () => {
      const split = data.indexOf('\r\n\r\n');
      const head = data.slice(0, split);
      const rest = data.slice(split + 4);
      resolve({ head, status: Number(head.split(' ')[1]), body: /transfer-encoding: chunked/i.test(head) ? dechunk(rest) : rest });
    });
    socket.on('error', reject);
    socket.write(request);
  });
}

/** A raw POST; `Connection: close` unless `headers` has a `connection` of its own or `keepAlive`. */
const post = (path: string, headers: Record<string, string>, body: string, keepAlive = false): string =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries({ ...(keepAlive ? {} : { connection: 'close' }), ...headers })
    .map(([n, v]) => `${n}: ${v}\r\n`)
    .join('')}\r\n${body}`;

describe('toNodeListener under attack', () => {
  it('answers 405 with Allow: POST to TRACE (which a fetch Request cannot carry), not 500', async () => {
    const answer = await within(3000, raw('TRACE /events/a HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 'the TRACE answer');
    expect(answer.status).toBe(405);
    expect(answer.head).toMatch(/allow: POST/i);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'method_not_allowed' });
  });

  it('answers 408 to a body that stalls after its headers, by the deadline, and hangs up', async () => {
    const started = Date.now();
    // keep-alive: the answer only counts if the server hangs up by itself (within() fails the test otherwise)
    const answer = await within(3000, raw(post('/events/a', { 'content-type': 'application/json', 'content-length': '100' }, '{"n":', true)), 'the answer to a stalled body');
    expect(answer.status).toBe(408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 10);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'timeout', limit: BODY_TIMEOUT_MS });
    expect(inbox.messages).toHaveLength(0);
  });

  it('refuses a cross-site simple request (text/plain, no preflight) with 415 before the body matters', async () => {
    const answer = await raw(post('/events/a', { 'content-type': 'text/plain', 'content-length': '7', origin: 'https://evil.example' }, '{"n":1}'));
    expect(answer.status).toBe(415);
    expect(inbox.messages).toHaveLength(0);
  });

  it('keeps forged internal and credential headers out of the message', async () => {
    const answer = await raw(
      post(
        '/events/a%2Eb',
        { 'content-type': 'application/json', 'content-length': '1', cookie: 's=1', authorization: 'Bearer x', 'isoflux-headers': 'X-Tenant,Cookie,Authorization,Host', 'x-tenant': 't' },
        '1',
      ),
    );
    expect(answer.status).toBe(204);
    const [m] = await inbox.waitFor(1);
    expect([m?.subject, m?.headers]).toEqual(['a.b', { 'X-Tenant': 't' }]);
    const nul = await raw(post('/events/a%00b', { 'content-type': 'application/json', 'content-length': '1' }, '1'));
    expect([nul.status, JSON.parse(nul.body).code]).toEqual([400, 'invalid_subject']);
  });
});

/** A NodeRequestLike/NodeResponseLike pair that records what the listener does. */
function fakeExchange(method: string, url: string, headers: Record<string, string | string[]>, body: string) {
  const listeners: Record<string, Array<() => void>> = { close: [], finish: [] };
  const written: Uint8Array[] = [];
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  const res: NodeResponseLike & { headers: Record<string, string | string[]>; finished: boolean } = {
    statusCode: 200,
    headers: {},
    finished: false,
    writableFinished: false,
    setHeader(name, value) {
      this.headers[name.toLowerCase()] = value;
    },
    write(chunk) {
      written.push(chunk);
    },
    end(chunk) {
      if (chunk) written.push(chunk);
      (this as { writableFinished: boolean }).writableFinished = true;
      for (const l of listeners.finish ?? []) l();
      ended();
    },
    once(event, listener) {
      listeners[event]?.push(listener);
    },
  };
  const req: NodeRequestLike = {
    method,
    url,
    headers,
    destroy: () => undefined,
    async *[Symbol.asyncIterator]() {
      yield new TextEncoder().encode(body);
    },
  };
  return { req, res, done, text: () => Buffer.concat(written).toString('utf8') };
}

describe('toNodeListener properties (fast-check)', () => {
  it('any method, URL and header map: an answer with a typed code (never 500), no throw, no hang', async () => {
    const listener = toNodeListener(handler.fetch);
    const method = fc.oneof(fc.constantFrom('POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'TRACK', 'CONNECT', 'PROPFIND', 'post', 'Trace'), fc.string({ maxLength: 8 }));
    const url = fc.oneof(fc.constantFrom('/events/a', '/events/a.b', '//evil.example/events/a', 'http://[', '*', '', '/events/%00', '/events/a/b', 'http://other.example/events/a'), fc.string({ maxLength: 20 }).map((s) => `/events/${s}`), fc.string({ maxLength: 20 }));
    const name = fc.oneof(fc.constantFrom('content-type', 'isoflux-headers', 'isoflux-id', 'origin', 'cookie', 'content-length', 'x-a'), fc.string({ maxLength: 8 }));
    const value = fc.oneof(fc.constantFrom('application/json', 'text/plain', 'x-a', 'isoflux-id', '1'), fc.string({ maxLength: 12 }));
    const headers = fc.dictionary(name, fc.oneof(value, fc.array(value, { maxLength: 3 })), { maxKeys: 5 });
    await fc.assert(
      fc.asyncProperty(method, url, headers, fc.constantFrom('1', '{"n":1}', '{bad', ''), async (m, u, h, body) => {
        const exchange = fakeExchange(m, u, h, body);
        expect(() => listener(exchange.req, exchange.res)).not.toThrow();
        await exchange.done;
        expect(exchange.res.statusCode).not.toBe(500);
        expect([200, 202, 204, 400, 403, 404, 405, 408, 413, 415]).toContain(exchange.res.statusCode);
        if (exchange.res.statusCode >= 400) expect(typeof (JSON.parse(exchange.text()) as { code?: unknown }).code).toBe('string');
      }),
      { numRuns: 1500, timeout: 2000, endOnFailure: true },
    );
    inbox.messages.splice(0);
  }, 60_000);
});
