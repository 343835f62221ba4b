/**
 * The http transport's options in the kit's one vocabulary: `signal` on the client and the handler (closes
 * it; the listener is let go on close), `requestTimeoutMs` / `timeoutMs`, `untilHandled` (and the deprecated
 * names it replaces), and `invalid_argument` naming the option. Every runtime.
 */
import { describe, expect, it } from 'vitest';
import { createHttpClient, createHttpHandler, type HttpClientOptions, type HttpHandlerOptions } from '../../src/http/index.js';
import { gate } from './waits.js';
import { inProcessFetch, listenedSignal } from './http-fixtures.js';

const BASE = 'http://isoflux.test/bus/';
const post = (handler: ReturnType<typeof createHttpHandler>, subject: string): Promise<Response> =>
  handler.fetch(new Request(`${BASE}${subject}`, { method: 'POST', body: '1', headers: { 'content-type': 'application/json' } }));

describe('http options', () => {
  it('handler: its signal closes it (503 after), and a handler closed first lets go of the signal', async () => {
    const controller = new AbortController();
    const handler = createHttpHandler({ basePath: '/bus/', signal: controller.signal });
    handler.subscribe('a', () => undefined);
    expect((await post(handler, 'a')).status).toBe(204);
    controller.abort();
    expect(handler.isClosed).toBe(true);
    expect((await post(handler, 'a')).status).toBe(503);
    const { signal, listeners } = listenedSignal();
    const other = createHttpHandler({ signal });
    expect(listeners.size).toBe(1);
    await other.close();
    expect(listeners.size).toBe(0);
  });

  it('client: its signal closes it (calls reject with closed, a POST in flight too), and close lets go of the signal', async () => {
    const handler = createHttpHandler({ basePath: '/bus/' });
    const stuck = gate();
    handler.subscribe('slow', () => stuck.promise);
    handler.subscribe('fast', () => undefined);
    const controller = new AbortController();
    const client = createHttpClient(BASE, { fetch: inProcessFetch(handler), signal: controller.signal });
    await client.publish('fast', 1);
    const inFlight = client.publish('slow', 1);
    controller.abort();
    await expect(inFlight).rejects.toMatchObject({ code: 'closed' });
    await expect(client.publish('fast', 1)).rejects.toMatchObject({ code: 'closed' });
    await expect(client.request('fast', 1)).rejects.toMatchObject({ code: 'closed' });
    const { signal, listeners } = listenedSignal();
    const other = createHttpClient(BASE, { fetch: inProcessFetch(handler), signal });
    expect(listeners.size).toBe(1);
    await other.close();
    expect(listeners.size).toBe(0);
    stuck.open();
    await handler.close();
  });

  it('untilHandled: false answers 202 for a subject nobody subscribes to; the deprecated ack names still work', async () => {
    for (const options of [{ untilHandled: false }, { ack: 'accepted' }] as const) {
      const handler = createHttpHandler({ basePath: '/bus/', ...options });
      expect((await post(handler, 'nobody')).status).toBe(202);
      await handler.close();
    }
    for (const options of [{}, { untilHandled: true }, { ack: 'handled' }] as const) {
      const handler = createHttpHandler({ basePath: '/bus/', ...options });
      expect((await post(handler, 'nobody')).status).toBe(404);
      await handler.close();
    }
  });

  it('requestTimeoutMs bounds a publish, so does the deprecated publishTimeoutMs; both that differ is invalid_argument', async () => {
    const handler = createHttpHandler({ basePath: '/bus/' });
    const stuck = gate();
    handler.subscribe('slow', () => stuck.promise);
    for (const options of [{ requestTimeoutMs: 20 }, { publishTimeoutMs: 20 }, { requestTimeoutMs: 20, publishTimeoutMs: 20 }]) {
      const client = createHttpClient(BASE, { fetch: inProcessFetch(handler), ...options });
      await expect(client.publish('slow', 1)).rejects.toMatchObject({ code: 'timeout', timeoutMs: 20 });
    }
    expect(() => createHttpClient(BASE, { fetch: inProcessFetch(handler), publishTimeoutMs: 60_000, requestTimeoutMs: 20 })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', option: 'publishTimeoutMs' }),
    );
    stuck.open();
    await handler.close();
  });

  it('a wrong option is invalid_argument naming it, before anything is opened', async () => {
    const handlerCases: Array<[keyof HttpHandlerOptions, unknown]> = [
      ['signal', 'soon'],
      ['untilHandled', 'yes'],
      ['ack', 'later'],
      ['maxBodyBytes', -1],
      ['bodyTimeoutMs', 0],
      ['basePath', 'bus'],
      ['waitUntil', 1],
      ['codec', 'json'],
      ['schema', {}],
      ['onError', 'log'],
    ];
    for (const [option, value] of handlerCases) {
      expect(() => createHttpHandler({ [option]: value })).toThrow(expect.objectContaining({ code: 'invalid_argument', option }));
    }
    const clientCases: Array<[keyof HttpClientOptions, unknown]> = [
      ['signal', {}],
      ['requestTimeoutMs', 0],
      ['publishTimeoutMs', Number.NaN],
      ['telemetry', 'otel'],
    ];
    for (const [option, value] of clientCases) {
      expect(() => createHttpClient(BASE, { [option]: value })).toThrow(expect.objectContaining({ code: 'invalid_argument', option }));
    }
    expect(() => createHttpClient('not a url')).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'baseUrl' }));
    const client = createHttpClient(BASE, { fetch: () => Promise.reject(new Error('never called')) });
    await expect(client.publish('a', 1, { timeoutMs: -5 })).rejects.toMatchObject({ code: 'invalid_argument', option: 'timeoutMs' });
    await expect(client.request('a', 1, { timeoutMs: 0 })).rejects.toMatchObject({ code: 'invalid_argument', option: 'timeoutMs' });
  });

  it('a client cannot subscribe: typed unsupported that names the handler', () => {
    const client = createHttpClient(BASE, { fetch: () => Promise.reject(new Error('never called')) });
    expect(() => client.subscribe('a', () => undefined)).toThrow(expect.objectContaining({ code: 'unsupported', message: expect.stringContaining('createHttpHandler') }));
  });
});
