import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../../src/memory/index.js';
import type { Message } from '../../../src/index.js';
import { turn } from '../waits.js';

/** A handler that parks every message until the test releases it. */
function gate() {
  const seen: unknown[] = [];
  const waiting: Array<() => void> = [];
  return {
    seen,
    handler: (m: Message<unknown>) =>
      new Promise<void>((resolve) => {
        seen.push(m.payload);
        waiting.push(resolve);
      }),
    releaseAll: async () => {
      while (waiting.length > 0) {
        waiting.shift()?.();
        await new Promise((r) => setTimeout(r, 0));
      }
    },
  };
}

describe('memory bus overflow policies (per subscriber)', () => {
  it('drop-newest keeps the oldest buffered messages and reports each drop', async () => {
    const bus = createMemoryBus();
    const g = gate();
    const drops: unknown[] = [];
    const s = bus.subscribe('t', g.handler, { bufferSize: 2, overflow: 'drop-newest', onDrop: (m, why) => drops.push([m.payload, why]) });
    for (let i = 0; i < 6; i++) await bus.publish('t', i);
    expect(drops).toEqual([[3, 'overflow'], [4, 'overflow'], [5, 'overflow']]);
    await g.releaseAll();
    expect(g.seen).toEqual([0, 1, 2]);
    expect(s.stats).toMatchObject({ delivered: 3, dropped: 3, pending: 0 });
  });

  it('drop-oldest keeps the newest', async () => {
    const bus = createMemoryBus();
    const g = gate();
    const drops: unknown[] = [];
    bus.subscribe('t', g.handler, { bufferSize: 2, overflow: 'drop-oldest', onDrop: (m) => drops.push(m.payload) });
    for (let i = 0; i < 6; i++) await bus.publish('t', i);
    expect(drops).toEqual([1, 2, 3]);
    await g.releaseAll();
    expect(g.seen).toEqual([0, 4, 5]);
  });

  it('block makes the publisher wait until there is room, losing nothing', async () => {
    const bus = createMemoryBus();
    const g = gate();
    const s = bus.subscribe('t', g.handler, { bufferSize: 2, overflow: 'block' });
    const publishes = Array.from({ length: 6 }, (_, i) => bus.publish('t', i));
    const settled: number[] = [];
    publishes.forEach((p, i) => void p.then(() => settled.push(i)));
    await turn(); // in-process: every publish that can settle has
    expect(settled).toEqual([0, 1, 2]); // one in the handler, two buffered
    expect(s.stats.pending).toBe(5);
    await g.releaseAll();
    await Promise.all(publishes);
    expect(g.seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.stats.dropped).toBe(0);
  });

  it('block: an aborted waiting publish withdraws its message', async () => {
    const bus = createMemoryBus();
    const g = gate();
    bus.subscribe('t', g.handler, { bufferSize: 1 });
    await bus.publish('t', 'handled');
    await bus.publish('t', 'buffered');
    const controller = new AbortController();
    const waiting = bus.publish('t', 'withdrawn', { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'aborted' });
    await g.releaseAll();
    expect(g.seen).toEqual(['handled', 'buffered']);
  });

  it('disconnect closes a subscriber after N consecutive drops with slow_consumer', async () => {
    const bus = createMemoryBus();
    const g = gate();
    const errors: unknown[] = [];
    const s = bus.subscribe('t', g.handler, { bufferSize: 1, overflow: 'disconnect', maxConsecutiveDrops: 3, onError: (e) => errors.push(e) });
    for (let i = 0; i < 10; i++) await bus.publish('t', i);
    const reason = await s.closed;
    expect(reason).toMatchObject({ code: 'slow_consumer', drops: 3 });
    expect(errors).toEqual([reason]);
    expect(s.isClosed).toBe(true);
  });

  it('applies each policy to its own subscriber only', async () => {
    const bus = createMemoryBus();
    const slow = gate();
    const fast: unknown[] = [];
    const s = bus.subscribe('t', slow.handler, { bufferSize: 1, overflow: 'drop-newest' });
    bus.subscribe('t', (m) => void fast.push(m.payload));
    for (let i = 0; i < 5; i++) await bus.publish('t', i);
    expect(fast).toEqual([0, 1, 2, 3, 4]);
    expect(s.stats.dropped).toBe(3);
  });
});
