import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../../src/memory/index.js';
import type { Consumer, Message } from '../../../src/index.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('memory bus', () => {
  it('delivers synchronously to idle synchronous handlers, and queues re-entrant publishes instead of recursing', async () => {
    const bus = createMemoryBus();
    const order: string[] = [];
    bus.subscribe('ping', (m: Message<unknown>) => {
      const n = m.payload as number;
      order.push(`start ${n}`);
      if (n < 3) void bus.publish('ping', n + 1);
      order.push(`end ${n}`);
    });
    void bus.publish('ping', 0);
    expect(order).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('untilHandled resolves after every async handler finished and honours its signal', async () => {
    const bus = createMemoryBus();
    const done: string[] = [];
    bus.subscribe('job', async () => {
      await tick();
      done.push('a');
    });
    bus.subscribe('job', async () => {
      await new Promise((r) => setTimeout(r, 20));
      done.push('b');
    });
    await bus.publish('job', 1, { untilHandled: true });
    expect(done.sort()).toEqual(['a', 'b']);
    await expect(bus.publish('job', 2, { untilHandled: true, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
  });

  it('untilHandled rejects with handler_failed carrying every error', async () => {
    const bus = createMemoryBus({ onError: () => undefined });
    bus.subscribe('job', () => {
      throw new Error('one');
    });
    bus.subscribe('job', async () => {
      throw new Error('two');
    });
    bus.subscribe('job', () => undefined);
    const error = await bus.publish('job', 1, { untilHandled: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'handler_failed' });
    expect((error as { errors: Error[] }).errors.map((e) => e.message).sort()).toEqual(['one', 'two']);
  });

  it('untilHandled with no subscriber resolves at once', async () => {
    await createMemoryBus().publish('nobody.home', 1, { untilHandled: true });
  });

  it('hands a payload with one recipient over as is, unfrozen', async () => {
    const bus = createMemoryBus();
    bus.subscribe('solo', () => undefined);
    const payload = { n: 1 };
    await bus.publish('solo', payload);
    expect(Object.isFrozen(payload)).toBe(false);
  });

  it('freezes payloads shared by several subscribers so one cannot change what another sees', async () => {
    const bus = createMemoryBus();
    const errors: unknown[] = [];
    const seen: unknown[] = [];
    bus.subscribe('o', (m) => {
      (m.payload as { n: number }).n = 99;
    }, { onError: (e) => errors.push(e) });
    bus.subscribe('o', (m) => void seen.push(structuredClone(m.payload)));
    const payload = { n: 1, nested: { tags: ['a'] } };
    await bus.publish('o', payload);
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect(seen).toEqual([{ n: 1, nested: { tags: ['a'] } }]);
    expect(Object.isFrozen(payload.nested.tags)).toBe(true);
    // binary payloads cannot be frozen: they are delivered as they are
    await bus.publish('o', new Uint8Array([1]));
  });

  it('gives every subscriber its own copy with payload: clone, leaving the publisher its object', async () => {
    const bus = createMemoryBus({ payload: 'clone' });
    const seen: Array<{ n: number }> = [];
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      bus.subscribe('o', (m) => {
        const copy = m.payload as { n: number };
        copy.n += 10;
        seen.push(copy);
        ids.push(m.id);
      });
    }
    const payload = { n: 1 };
    await bus.publish('o', payload);
    payload.n = 2;
    expect(seen).toEqual([{ n: 11 }, { n: 11 }]);
    expect(ids[0]).toBe(ids[1]);
    expect(Object.isFrozen(payload)).toBe(false);
  });

  it('moves queue-group work to the remaining members when one leaves', async () => {
    const bus = createMemoryBus();
    const a: unknown[] = [];
    const b: unknown[] = [];
    const sa = bus.subscribe('w', (m) => void a.push(m.payload), { queue: 'g' });
    bus.subscribe('w', (m) => void b.push(m.payload), { queue: 'g' });
    for (let i = 0; i < 4; i++) await bus.publish('w', i);
    await sa.unsubscribe();
    for (let i = 4; i < 8; i++) await bus.publish('w', i);
    expect(a).toEqual([0, 2]);
    expect(b).toEqual([1, 3, 4, 5, 6, 7]);
  });

  it('prefers an idle queue-group member over a busy one', async () => {
    const bus = createMemoryBus();
    const slow: unknown[] = [];
    const quick: unknown[] = [];
    bus.subscribe('w', (m) => (slow.push(m.payload), new Promise(() => undefined)), { queue: 'g', bufferSize: 1 });
    bus.subscribe('w', (m) => void quick.push(m.payload), { queue: 'g' });
    for (let i = 0; i < 6; i++) await bus.publish('w', i);
    expect(slow).toEqual([0]);
    expect(quick).toEqual([1, 2, 3, 4, 5]);
  });

  it('close ends iterators, rejects waiting publishes and requests, and refuses later use', async () => {
    const bus = createMemoryBus();
    const iterated = bus.subscribe('it');
    const next = iterated[Symbol.asyncIterator]().next();
    bus.subscribe('slow', () => new Promise(() => undefined), { bufferSize: 1 });
    await bus.publish('slow', 1);
    await bus.publish('slow', 2);
    const blocked = bus.publish('slow', 3);
    bus.respond('svc', () => new Promise(() => undefined));
    const request = bus.request('svc', 1);
    await bus.close();
    await expect(next).resolves.toEqual({ value: undefined, done: true });
    await expect(blocked).rejects.toMatchObject({ code: 'closed' });
    await expect(request).rejects.toMatchObject({ code: 'closed' });
    await expect(bus.publish('x', 1)).rejects.toMatchObject({ code: 'closed' });
    await expect(bus.request('x', 1)).rejects.toMatchObject({ code: 'closed' });
    expect(() => bus.subscribe('x', () => undefined)).toThrow(expect.objectContaining({ code: 'closed' }));
    expect(bus.isClosed).toBe(true);
    await bus.close();
  });

  it('closes when its signal aborts, and supports await using', async () => {
    const controller = new AbortController();
    const bus = createMemoryBus({ signal: controller.signal });
    const s = bus.subscribe('a', () => undefined);
    controller.abort();
    await s.closed;
    expect(bus.isClosed).toBe(true);
    let inner: ReturnType<typeof createMemoryBus> | undefined;
    {
      await using scoped = createMemoryBus();
      inner = scoped;
    }
    expect(inner.isClosed).toBe(true);
  });

  it('drain finishes buffered work before closing', async () => {
    const bus = createMemoryBus();
    const done: unknown[] = [];
    const s = bus.subscribe('d', async (m) => {
      await tick();
      done.push(m.payload);
    });
    for (let i = 0; i < 5; i++) await bus.publish('d', i);
    await s.drain();
    expect(done).toEqual([0, 1, 2, 3, 4]);
    expect(s.isClosed).toBe(true);
    await bus.publish('d', 5);
    expect(done).toHaveLength(5);
  });

  it('rejects bad options and iteration of a handler subscription', async () => {
    expect(() => createMemoryBus({ payload: 'deep' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    const bus = createMemoryBus();
    expect(() => bus.subscribe('a', () => undefined, { queue: 'has space' })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => bus.subscribe('a', () => undefined, { maxConsecutiveDrops: -1 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    const s = bus.subscribe('a', () => undefined);
    expect(() => s[Symbol.asyncIterator]()).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    await expect((s as unknown as Consumer).fetch(1)).rejects.toMatchObject({ code: 'invalid_argument' });
    const pull = bus.subscribe('b');
    await expect(pull.fetch(0)).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('counts published messages and live subscriptions', async () => {
    const bus = createMemoryBus();
    const s = bus.subscribe('a', () => undefined);
    await bus.publish('a', 1);
    await bus.publish('b', 1);
    expect(bus.stats).toEqual({ published: 2, subscriptions: 1 });
    await s.unsubscribe();
    expect(bus.stats.subscriptions).toBe(0);
  });
});
