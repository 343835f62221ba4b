/**
 * The fake tabs of a broadcast namespace and the fake NATS clients of isoflux/testing: every tab gets every
 * message (its own included), a queue group spans tabs and fails over when a tab closes, request/reply
 * crosses tabs; a NATS client that loses its connection drops what it publishes and what is sent to it.
 */
import { describe, expect, it } from 'vitest';
import { createFakeNamespace, createFakeNatsServer, record } from '../../../src/testing/index.js';

describe('fake tabs of one broadcast namespace', () => {
  it('every tab receives every message once, its own included; payloads are cloned', async () => {
    await using ns = createFakeNamespace('app');
    const tabs = [ns.tab('a'), ns.tab('b'), ns.tab('c')];
    const got: Record<string, unknown[]> = {};
    for (const tab of tabs) tab.subscribe('chat.>', (m) => void (got[tab.name] ??= []).push(m.payload));
    const payload = { text: 'hi' };
    await tabs[0]?.publish('chat.room', payload);
    expect(got).toEqual({ a: [{ text: 'hi' }], b: [{ text: 'hi' }], c: [{ text: 'hi' }] });
    expect(got['b']?.[0]).not.toBe(payload);
    await expect(tabs[1]?.publish('chat.fn', { f: () => 1 })).rejects.toMatchObject({ code: 'not_serializable' });
  });

  it('a queue group hands each message to one tab, and the others take over when that tab closes', async () => {
    await using ns = createFakeNamespace();
    const [a, b, sender] = [ns.tab('a'), ns.tab('b'), ns.tab('sender')];
    const handledBy: string[] = [];
    for (const tab of [a, b]) tab.subscribe('jobs.*', () => void handledBy.push(tab.name), { queue: 'workers' });
    for (let i = 0; i < 4; i++) await sender.publish(`jobs.${i}`, i);
    expect(handledBy).toHaveLength(4);
    expect(new Set(handledBy)).toEqual(new Set(['a', 'b']));
    await a.close();
    handledBy.length = 0;
    for (let i = 0; i < 3; i++) await sender.publish(`jobs.${i}`, i);
    expect(handledBy).toEqual(['b', 'b', 'b']);
    await expect(a.publish('jobs.x', 1)).rejects.toMatchObject({ code: 'closed' });
  });

  it('request/reply crosses tabs; a closed responder tab leaves no_responders', async () => {
    await using ns = createFakeNamespace();
    const [asker, answerer] = [ns.tab(), ns.tab()];
    answerer.respond('math.double', (m) => (m.payload as number) * 2);
    expect((await asker.request<number>('math.double', 21)).payload).toBe(42);
    await answerer.close();
    await expect(asker.request('math.double', 1)).rejects.toMatchObject({ code: 'no_responders' });
  });

  it('each tab has its own wiretap: the sender sees published, the receivers delivered', async () => {
    await using ns = createFakeNamespace();
    const [a, b] = [ns.tab('a'), ns.tab('b')];
    const [ra, rb] = [record(a), record(b)];
    b.subscribe('x.*', () => undefined);
    await a.publish('x.1', 1);
    expect(ra.events.map((e) => e.kind)).toEqual(['published']);
    expect(rb.events.map((e) => [e.kind, e.system, e.subject])).toEqual([['delivered', 'broadcast', 'x.1']]);
  });
});

describe('fake NATS clients', () => {
  it('a disconnected client drops what it publishes and what is sent to it; reconnect resumes the subscriptions', async () => {
    await using server = createFakeNatsServer();
    const [a, b] = [server.connect('a'), server.connect('b')];
    const recording = record([a, b]);
    const got: unknown[] = [];
    b.subscribe('demo.>', (m) => void got.push(m.payload));

    a.disconnect();
    expect(a.connected).toBe(false);
    await a.publish('demo.lost', 1); // resolves, as NATS core does, but nothing arrives
    b.disconnect();
    await server.connect('c').publish('demo.missed', 2);
    expect(got).toEqual([]);
    expect(recording.drops.map((d) => [d.subject, d.reason])).toEqual([
      ['demo.lost', 'disconnected'],
      ['demo.missed', 'disconnected'],
    ]);
    await expect(a.request('demo.q', 1)).rejects.toMatchObject({ code: 'connection_failed' });

    a.reconnect();
    b.reconnect();
    await a.publish('demo.back', 3);
    expect(got).toEqual([3]);
  });

  it('a client is a kit bus: signal closes it, requests time out (timeoutMs, requestTimeoutMs), subjects are checked', async () => {
    await using server = createFakeNatsServer();
    const shutdown = new AbortController();
    const client = server.connect('app', { signal: shutdown.signal, requestTimeoutMs: 30 });
    const other = server.connect('other');
    other.respond('slow.q', () => new Promise(() => undefined));
    await expect(client.request('slow.q', 1)).rejects.toMatchObject({ code: 'timeout' });
    await expect(other.request('slow.q', 1, { timeoutMs: 20 })).rejects.toMatchObject({ code: 'timeout' });
    await expect(client.publish('bad subject', 1)).rejects.toMatchObject({ code: 'invalid_subject' });
    expect(() => client.subscribe('a..b', () => undefined)).toThrow(expect.objectContaining({ code: 'invalid_subject' }));
    const sub = client.subscribe('x.>', () => undefined);
    await client.publish('x.1', 1);
    expect(client.stats).toEqual(expect.objectContaining({ published: 2, subscriptions: 1 }));
    shutdown.abort();
    await sub.closed;
    expect(client.isClosed).toBe(true);
    await expect(client.publish('x.2', 2)).rejects.toMatchObject({ code: 'closed', message: expect.stringContaining('fake nats app') });
    expect(other.isClosed).toBe(false);
  });

  it('a handler failure is reported to the wiretap as failed, with the error', async () => {
    await using server = createFakeNatsServer();
    const bus = server.connect();
    const recording = record(bus);
    bus.subscribe('x', () => Promise.reject(new Error('nope')), { onError: () => undefined });
    await bus.publish('x', 1);
    const failed = await recording.waitFor('x', undefined, { kinds: ['failed'] });
    expect((failed.error as Error).message).toBe('nope');
    expect(failed.durationMs).toBeGreaterThanOrEqual(0);
  });
});
