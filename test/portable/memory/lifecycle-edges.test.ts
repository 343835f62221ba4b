import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../../src/memory/index.js';
import { jsonCodec } from '../../../src/index.js';

describe('lifecycle edge cases', () => {
  it('settles every drain() call, not only the last', async () => {
    const bus = createMemoryBus();
    let release!: () => void;
    const sub = bus.subscribe('a', () => new Promise<void>((r) => (release = r)));
    await bus.publish('a', 1);
    const first = sub.drain();
    const second = sub.drain();
    release();
    await Promise.all([first, second]);
    expect(sub.isClosed).toBe(true);
  });

  it('drain() without a handler lets readers take what is buffered before it ends', async () => {
    const bus = createMemoryBus();
    const sub = bus.subscribe('a');
    for (const n of [1, 2, 3]) await bus.publish('a', n);
    await sub.drain();
    await bus.publish('a', 4); // interest already released: not buffered
    const seen: unknown[] = [];
    for await (const m of sub) seen.push(m.payload);
    expect(seen).toEqual([1, 2, 3]);
    expect(sub.isClosed).toBe(true);
    expect(sub.stats.dropped).toBe(0);
  });

  it('a throwing onDrop neither breaks the publish nor the other subscribers, and close still completes', async () => {
    const bus = createMemoryBus();
    const others: unknown[] = [];
    const slow = bus.subscribe('t', () => new Promise(() => undefined), {
      bufferSize: 1,
      overflow: 'drop-newest',
      onDrop: () => {
        throw new Error('onDrop boom');
      },
    });
    bus.subscribe('t', (m) => void others.push(m.payload));
    const original = console.error;
    console.error = () => undefined;
    try {
      for (let i = 0; i < 3; i++) await bus.publish('t', i);
      expect(others).toEqual([0, 1, 2]);
      await slow.unsubscribe();
      expect(await slow.closed).toBeUndefined();
      expect(bus.stats.subscriptions).toBe(1);
    } finally {
      console.error = original;
    }
  });

  it('a request times out even while its publish waits on a full responder', async () => {
    const bus = createMemoryBus();
    bus.respond('svc', () => new Promise(() => undefined), { bufferSize: 1 });
    void bus.publish('svc', 'busy');
    void bus.publish('svc', 'buffered');
    const started = Date.now();
    await expect(bus.request('svc', 1, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a request with an already-aborted signal sends nothing', async () => {
    const bus = createMemoryBus();
    let ran = 0;
    bus.respond('svc', () => ++ran);
    await expect(bus.request('svc', 1, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
    // barrier: a request sent after it is answered after the aborted one would have been handled
    expect((await bus.request('svc', 2)).payload).toBe(1);
    expect(ran).toBe(1);
  });

  it('the strict JSON check terminates on cyclic and shared references', () => {
    const a: Record<string, unknown> = {};
    a.x = a;
    a.y = a;
    expect(() => jsonCodec().encode(a)).toThrow(expect.objectContaining({ code: 'not_serializable' }));
    const shared = { n: 1 };
    expect(new TextDecoder().decode(jsonCodec().encode({ p: shared, q: shared }))).toBe('{"p":{"n":1},"q":{"n":1}}');
  });
});

describe('more lifecycle edge cases', () => {
  it('a handler result whose then getter throws counts as a failure, and delivery goes on', async () => {
    const bus = createMemoryBus();
    const errors: unknown[] = [];
    const seen: unknown[] = [];
    bus.subscribe(
      'odd',
      (m) => {
        seen.push(m.payload);
        if (m.payload === 1) return Object.defineProperty({}, 'then', { get: () => { throw new Error('then getter'); } });
        return undefined;
      },
      { onError: (e) => errors.push(e) },
    );
    await bus.publish('odd', 1);
    await bus.publish('odd', 2);
    expect(seen).toEqual([1, 2]);
    expect((errors[0] as Error).message).toBe('then getter');
  });

  it('close() during a drain ends the draining subscription too', async () => {
    const bus = createMemoryBus();
    const release: Array<() => void> = [];
    const sub = bus.subscribe('d', () => new Promise<void>((r) => release.push(r)));
    for (let i = 0; i < 3; i++) await bus.publish('d', i);
    const draining = sub.drain();
    await bus.close();
    expect(sub.isClosed).toBe(true);
    release.forEach((r) => r());
    await draining;
    expect(bus.stats.subscriptions).toBe(0);
  });
});
