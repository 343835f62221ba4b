/**
 * Property-based tests (fast-check) of the HTTP handler's request parser, in every runtime: thousands of
 * generated paths, content types, header sets and body streams per run. Each request gets either the
 * correct result (the message a reference model predicts) or a refusal with a stable code; never a
 * rejected `fetch`, a 500 or a hang (every run has a time limit).
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHttpClient, createHttpHandler, type HttpHandler, type HttpHandlerOptions } from '../../../src/http/index.js';
import { writeMessageHeaders } from '../../../src/http/headers.js';
import type { Message } from '../../../src/index.js';
import { inProcessFetch } from '../http-fixtures.js';
import { ORIGIN, hostile } from './http-fixtures.js';

const RUNS = 1500;
/** A run that takes longer than this is a hang: fast-check fails it. */
const RUN_LIMIT_MS = 2000;
const params = (numRuns = RUNS) => ({ numRuns, timeout: RUN_LIMIT_MS, endOnFailure: true });

const handlers: HttpHandler[] = [];
afterAll(async () => {
  await Promise.all(handlers.splice(0).map((h) => h.close()));
});

/** A handler with one catch-all subscription; `take()` returns (and forgets) what it received. */
function catchAll(options: HttpHandlerOptions = {}): { handler: HttpHandler; take(): Array<Message<unknown>> } {
  const handler = createHttpHandler({ basePath: '/events/', ...options });
  handlers.push(handler);
  const seen: Array<Message<unknown>> = [];
  handler.subscribe('>', (m) => void seen.push(m));
  return { handler, take: () => seen.splice(0) };
}

/** Reads an answer: status, JSON error code (`-` without a body) and the parsed error body. */
async function read(response: Response): Promise<{ status: number; code: string; body: Record<string, unknown> }> {
  const text = await response.text();
  const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  return { status: response.status, code: typeof body.code === 'string' ? body.code : '-', body };
}

// ---------------------------------------------------------------- reference models (written independently)

/** The HTTP transport's subject rule, from the issue and nats-server's grammar, as plainly as possible. */
function referenceSubject(path: string): string | undefined {
  let subject: string;
  try {
    subject = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (subject === '' || new TextEncoder().encode(subject).length > 4096) return undefined;
  for (const ch of subject) {
    const c = ch.codePointAt(0) as number;
    if (ch === '/' || ch === ' ' || c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xdfff)) return undefined;
  }
  const tokens = subject.split('.');
  if (tokens.some((t) => t === '' || t === '*' || t === '>')) return undefined;
  return subject;
}

/** The JSON value of a body, or undefined when it is not UTF-8 JSON. */
function referenceJson(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- generators

const pathPiece = fc.oneof(
  fc.constantFrom('/', '.', '..', '*', '>', '%', ' ', '%2F', '%2f', '%2E', '%2e%2e', '%00', '%0A', '%0C', '%7F', '%C2%85', '%C2%A0', '%FF', '%E2%82%AC', '%F0%9F%9A%80', '%ED%A0%80', '?', '#', '\\', ';', 'a', 'b', 'ü', '🚀', '\u0000', '\t', '\n', '\ud800'),
  fc.string({ unit: 'binary', maxLength: 3 }),
  fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`),
  fc.stringMatching(/^[a-z0-9_-]{1,8}$/),
);
const rawPath = fc.array(pathPiece, { maxLength: 14 }).map((pieces) => pieces.join(''));

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const contentTypeValue = fc.oneof(
  fc.constantFrom('application/json', 'APPLICATION/JSON', 'application/json; charset=utf-8', 'application/json;charset=latin1', ' application/json ', 'text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/json, text/plain', 'application/*', '*/*', ''),
  printable,
  fc.tuple(fc.constantFrom('application/json', 'text/plain'), printable).map(([t, p]) => `${t};${p}`),
);
const jsonBody = fc.jsonValue({ maxDepth: 3 }).map((v) => new TextEncoder().encode(JSON.stringify(v)));
const body = fc.oneof(jsonBody, fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 20 }).map((s) => new TextEncoder().encode(s)));

const headerNames = [
  'X-Tenant', 'x-tenant', 'X-A', 'x-a', 'Authorization', 'authorization', 'Cookie', 'Host', 'Connection', 'Keep-Alive', 'Transfer-Encoding', 'Upgrade', 'TE',
  'Trailer', 'Proxy-Authorization', 'Set-Cookie', 'X-Api-Key', 'Origin', 'Referer', 'Content-Type', 'Content-Length', 'traceparent', 'TraceParent', 'tracestate',
  'isoflux-id', 'ISOFLUX-ID', 'isoflux-reply-type', 'isoflux-x', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
];
const headerName = fc.oneof(fc.constantFrom(...headerNames), fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,10}$/));
/** Values `Headers` accepts (it refuses NUL, CR, LF and code points above U+00FF): tabs, spaces, Latin-1 included. */
const headerValue = fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0xff }), fc.constant(9)).map((c) => String.fromCharCode(c)), maxLength: 16 });
const listEntry = fc.oneof(headerName, fc.constantFrom('', ' ', 'bad name', 'a\tb', 'x(y)', 'ü', ',,'));

// ---------------------------------------------------------------- properties

describe('http parser properties (fast-check)', () => {
  it('paths: the subject the reference model predicts is delivered, every other path is refused with a code', async () => {
    const { handler, take } = catchAll();
    await fc.assert(
      fc.asyncProperty(rawPath, async (path) => {
        let url: URL;
        try {
          url = new URL(`${ORIGIN}/events/${path}`);
        } catch {
          return; // not even a URL: no Request can carry it
        }
        const response = await handler.fetch(hostile(url.pathname + url.search, '1', [['content-type', 'application/json']]));
        const { status, code } = await read(response);
        const delivered = take();
        if (!url.pathname.startsWith('/events/')) {
          expect([status, code]).toEqual([404, 'no_responders']);
          return;
        }
        const expected = referenceSubject(url.pathname.slice('/events/'.length));
        if (expected === undefined) {
          expect([status, code, delivered.length]).toEqual([400, 'invalid_subject', 0]);
        } else {
          expect(status).toBe(204);
          expect(delivered.map((m) => m.subject)).toEqual([expected]);
        }
      }),
      params(),
    );
  }, 60_000);

  it('content types and bodies: 415 unless application/json, then the JSON value or 400 decode_failed', async () => {
    const { handler, take } = catchAll();
    await fc.assert(
      fc.asyncProperty(fc.option(contentTypeValue, { nil: undefined }), body, async (type, bytes) => {
        const response = await handler.fetch(hostile('/events/p', bytes, type === undefined ? [] : [['content-type', type]]));
        const { status, code } = await read(response);
        const delivered = take();
        const essence = type?.split(';')[0]?.trim().toLowerCase();
        if (essence !== 'application/json') {
          expect([status, code, delivered.length]).toEqual([415, 'unsupported_media_type', 0]);
          return;
        }
        const json = referenceJson(bytes);
        if (json === undefined) expect([status, code, delivered.length]).toEqual([400, 'decode_failed', 0]);
        else expect([status, delivered.map((m) => m.payload)]).toEqual([204, [json.value]]);
      }),
      params(),
    );
  }, 60_000);

  it('headers: a refusal names the bad header, or the message headers are safe and relay unchanged through a client', async () => {
    const pass = ['Authorization'];
    const upstream = catchAll({ passHeaders: pass });
    const downstream = catchAll({ basePath: '/down/', passHeaders: pass });
    const client = createHttpClient(`${ORIGIN}/down/`, { fetch: inProcessFetch(downstream.handler) });
    const forbidden = new Set(['cookie', 'host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'set-cookie', 'x-api-key', 'origin', 'referer', 'content-type', 'content-length']);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
        fc.option(fc.array(listEntry, { maxLength: 8 }), { nil: undefined }),
        fc.option(headerValue, { nil: undefined }),
        async (entries, list, id) => {
          const headers: Array<[string, string]> = [['content-type', 'application/json'], ...entries.filter(([name]) => name.toLowerCase() !== 'content-type')];
          if (list !== undefined) headers.push(['isoflux-headers', list.join(',')]);
          if (id !== undefined) headers.push(['isoflux-id', id]);
          const response = await upstream.handler.fetch(hostile('/events/h', '1', headers));
          const { status, code, body: error } = await read(response);
          const [m, ...more] = upstream.take();
          if (status === 400) {
            expect(code).toBe('invalid_header');
            expect(typeof error.header).toBe('string');
            expect(m).toBeUndefined();
            return;
          }
          expect(status).toBe(204);
          expect(more).toHaveLength(0);
          const message = m as Message<unknown>;
          const names = Object.keys(message.headers);
          for (const name of names) {
            const lower = name.toLowerCase();
            expect(lower.startsWith('isoflux-') || forbidden.has(lower)).toBe(false);
          }
          expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
          // relayable by construction, then relayed for real
          expect(() => writeMessageHeaders(new Headers(), message.id, message.headers)).not.toThrow();
          await client.publish('h', 1, { headers: message.headers, id: message.id });
          const [relayed] = downstream.take();
          expect(relayed?.id).toBe(message.id);
          expect(relayed?.headers).toEqual(message.headers);
        },
      ),
      params(1000),
    );
  }, 60_000);

  it('body streams: any chunking, size limit and mid-stream failure ends in 204, 400, 413 as the model says', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
        fc.integer({ min: 0, max: 200 }),
        fc.option(fc.nat({ max: 8 }), { nil: undefined }),
        fc.boolean(),
        async (chunks, limit, failAt, withJson) => {
          const { handler, take } = catchAll({ maxBodyBytes: limit });
          if (withJson) chunks = [new TextEncoder().encode('{"k":'), ...chunks.map(() => new TextEncoder().encode('1')), new TextEncoder().encode('}')];
          let i = 0;
          const stream = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (i === failAt) return controller.error(new Error('connection reset'));
              const next = chunks[i++];
              if (next === undefined) controller.close();
              else controller.enqueue(next);
            },
          });
          const response = await handler.fetch(hostile('/events/b', stream, [['content-type', 'application/json']], { duplex: 'half' } as RequestInit));
          const { status, code } = await read(response);
          const delivered = take();
          await handler.close();
          // the model: chunks arrive in order until the failure; the limit is hit when the running size exceeds it
          let size = 0;
          let outcome = '';
          for (let n = 0; outcome === '' && n <= chunks.length; n++) {
            if (n === failAt) outcome = '400 aborted';
            else if (n === chunks.length) outcome = 'complete';
            else if ((size += (chunks[n] as Uint8Array).byteLength) > limit) outcome = '413 payload_too_large';
          }
          if (outcome !== 'complete') {
            expect([`${status} ${code}`, delivered.length]).toEqual([outcome, 0]);
            return;
          }
          const all = new Uint8Array(size);
          let offset = 0;
          for (const c of chunks) all.set(c, (offset += c.byteLength) - c.byteLength);
          const json = referenceJson(all);
          if (json === undefined) expect([`${status} ${code}`, delivered.length]).toEqual(['400 decode_failed', 0]);
          else expect([status, delivered.map((m) => m.payload)]).toEqual([204, [json.value]]);
        },
      ),
      params(1000),
    );
  }, 60_000);

  it('stalls: a body that stops after any prefix is answered 408 (or 413 first) by the deadline, never held', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 30 }), { maxLength: 4 }), fc.integer({ min: 10, max: 100 }), async (chunks, limit) => {
        const { handler, take } = catchAll({ maxBodyBytes: limit, bodyTimeoutMs: 15 });
        let i = 0;
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            const next = chunks[i++];
            if (next !== undefined) controller.enqueue(next);
            else return new Promise<void>(() => undefined);
          },
        });
        const { status, code } = await read(await handler.fetch(hostile('/events/s', stream, [['content-type', 'application/json']], { duplex: 'half' } as RequestInit)));
        await handler.close();
        const total = chunks.reduce((n, c) => n + c.byteLength, 0);
        expect([`${status} ${code}`, take().length]).toEqual([total > limit ? '413 payload_too_large' : '408 timeout', 0]);
      }),
      params(60),
    );
  }, 60_000);
});
