import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../../src/memory/index.js';
import { createPostgresBus, type PostgresSql } from '../../../src/postgres/index.js';
import { tap, type TapEvent } from '../../../src/index.js';
import { createBus, type Driver, type Sink } from '../../../src/transport/index.js';
import { newMessage } from '../../../src/core/message.js';

/** A signal that counts its abort listeners (a plain AbortSignal cannot tell). */
function countingSignal(): { signal: AbortSignal; listeners: () => number; abort: () => void } {
  const controller = new AbortController();
  const signal = controller.signal;
  let count = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, listener: EventListener, options?: AddEventListenerOptions) => {
    if (type === 'abort') count++;
    add(type, listener, options);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: EventListener) => {
    if (type === 'abort') count--;
    remove(type, listener);
  }) as typeof signal.removeEventListener;
  return { signal, listeners: () => count, abort: () => controller.abort() };
}

/** A driver that loops every send back to the matching sinks (exact subjects only). */
function loopDriver(): Driver & { sent: string[] } {
  const sinks = new Set<Sink>();
  const sent: string[] = [];
  return {
    name: 'loop',
    sent,
    async send(subject, payload, options) {
      sent.push(subject);
      for (const sink of sinks) if (sink.pattern === subject) await sink.deliver(newMessage(subject, payload, options?.headers, options?.id, options?.replyTo));
    },
    listen(_pattern, _queue, sink) {
      sinks.add(sink);
      return { close: (s) => void sinks.delete(s) };
    },
  };
}

const unusedSql = {
  listen: () => Promise.reject(new Error('not used')),
  unsafe: () => Promise.reject(new Error('not used')),
} as unknown as PostgresSql;

const builders: Array<[string, (signal?: AbortSignal) => { close(): Promise<void>; isClosed: boolean }]> = [
  ['memory', (signal) => createMemoryBus({ signal })],
  ['a facade on a plain driver', (signal) => createBus(loopDriver(), { signal })],
  // no subscription, so the client is never called: only the bus's own lifetime is under test
  ['postgres', (signal) => createPostgresBus(unusedSql, { signal })],
];

describe('the facade', () => {
  for (const [name, build] of builders) {
    it(`${name}: close removes the abort listener of its signal`, async () => {
      const { signal, listeners } = countingSignal();
      const bus = build(signal);
      expect(listeners()).toBe(1);
      await bus.close();
      expect(listeners()).toBe(0);
    });

    it(`${name}: aborting the signal closes the bus`, async () => {
      const { signal, abort } = countingSignal();
      const bus = build(signal);
      abort();
      expect(bus.isClosed).toBe(true);
      await bus.close();
    });
  }

  it('an already-aborted signal closes the bus at once', () => {
    expect(createMemoryBus({ signal: AbortSignal.abort() }).isClosed).toBe(true);
  });

  it('refuses a bad option with invalid_argument naming it', () => {
    expect(() => createMemoryBus({ requestTimeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'requestTimeoutMs' }));
    expect(() => createMemoryBus({ signal: {} as AbortSignal })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'signal' }));
    expect(() => createBus(loopDriver(), { onError: 'x' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'onError' }));
    expect(() => createMemoryBus({ payload: 'deep' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'payload' }));
  });

  it('request: timeoutMs per call, requestTimeoutMs as the bus default, both checked', async () => {
    const bus = createMemoryBus({ requestTimeoutMs: 20 });
    bus.respond('svc', () => new Promise(() => undefined));
    await expect(bus.request('svc', 1)).rejects.toMatchObject({ code: 'timeout', message: expect.stringContaining('20') });
    await expect(bus.request('svc', 1, { timeoutMs: 10 })).rejects.toMatchObject({ code: 'timeout', message: expect.stringContaining('10') });
    await expect(bus.request('svc', 1, { timeoutMs: 0 })).rejects.toMatchObject({ code: 'invalid_argument', option: 'timeoutMs' });
    await bus.close();
  });

  it('a driver without request or interest gives a bus without request / respond', async () => {
    const bus = createBus(loopDriver());
    expect((bus as { request?: unknown }).request).toBeUndefined();
    expect((bus as { respond?: unknown }).respond).toBeUndefined();
    await bus.close();
  });

  it('a driver whose listen throws leaves no subscription and no abort listener behind', async () => {
    const driver: Driver = { ...loopDriver(), listen: () => { throw new Error('refused'); } };
    const bus = createBus(driver);
    const { signal, listeners } = countingSignal();
    expect(() => bus.subscribe('a', () => undefined, { signal })).toThrow('refused');
    expect(listeners()).toBe(0);
    expect(bus.stats.subscriptions).toBe(0);
    await bus.close();
  });

  it('checks subjects with the driver rules before the driver sees them', async () => {
    const driver = { ...loopDriver(), subjectRules: { maxTokens: 2 } };
    const bus = createBus(driver);
    await expect(bus.publish('a.b.c', 1)).rejects.toMatchObject({ code: 'invalid_subject' });
    await expect(bus.publish('a.*', 1)).rejects.toMatchObject({ code: 'invalid_subject' });
    expect(() => bus.subscribe('a.b.c', () => undefined)).toThrow(expect.objectContaining({ code: 'invalid_subject' }));
    await bus.publish('a.b', 1);
    expect(driver.sent).toEqual(['a.b']);
    await bus.close();
    await expect(bus.publish('a.b', 1)).rejects.toMatchObject({ code: 'closed' });
  });

  it('a rejected ready ends the subscription with that error', async () => {
    const driver: Driver = { ...loopDriver(), listen: () => ({ ready: Promise.reject(new Error('no LISTEN')), close: () => undefined }) };
    const errors: unknown[] = [];
    const bus = createBus(driver, { onError: (e) => errors.push(e) });
    const sub = bus.subscribe('a', () => undefined);
    await expect(sub.ready).rejects.toThrow('no LISTEN');
    await sub.closed;
    expect(errors).toEqual([expect.objectContaining({ message: 'no LISTEN' })]);
    expect(bus.stats.subscriptions).toBe(0);
    await bus.close();
  });
});

describe('the wiretap of a facade-built bus', () => {
  it('reports published, delivered (with run time), failed and dropped', async () => {
    const bus = createMemoryBus({ onError: () => undefined });
    const events: TapEvent[] = [];
    const stop = tap(bus, (e) => events.push(e));
    bus.subscribe('ok', () => undefined);
    bus.subscribe('bad', () => {
      throw Object.assign(new Error('boom'), { code: 'boom' });
    });
    const slow = bus.subscribe('full', () => new Promise(() => undefined), { bufferSize: 1, overflow: 'drop-newest' });
    await bus.publish('ok', 1, { id: 'm1' });
    await bus.publish('bad', 2);
    for (let i = 0; i < 3; i++) await bus.publish('full', i);
    const kinds = events.map((e) => `${e.kind}:${e.subject}${e.reason ? `:${e.reason}` : ''}`);
    expect(kinds).toEqual(expect.arrayContaining(['published:ok', 'delivered:ok', 'published:bad', 'failed:bad:boom', 'dropped:full:overflow']));
    const delivered = events.find((e) => e.kind === 'delivered');
    expect(delivered).toMatchObject({ system: 'memory', id: 'm1', payload: 1, pattern: 'ok' });
    expect(delivered?.durationMs).toBeGreaterThanOrEqual(0);
    expect(events.find((e) => e.kind === 'published' && e.subject === 'ok')?.id).toBe('m1');
    stop();
    const before = events.length;
    await bus.publish('ok', 3);
    expect(events.length).toBe(before);
    await slow.unsubscribe();
    await bus.close();
  });

  it('reports a message taken by for await, and messages dropped at close', async () => {
    const bus = createMemoryBus();
    const events: TapEvent[] = [];
    tap(bus, (e) => events.push(e));
    const pull = bus.subscribe('p');
    await bus.publish('p', 1);
    await bus.publish('p', 2);
    expect((await pull.fetch(1)).map((m) => m.payload)).toEqual([1]);
    await pull.unsubscribe();
    expect(events.filter((e) => e.kind !== 'published').map((e) => `${e.kind}:${e.reason ?? ''}`)).toEqual(['delivered:', 'dropped:closed']);
    await bus.close();
  });
});
