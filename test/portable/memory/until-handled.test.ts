/**
 * `publish(…, { untilHandled: true })` resolves only for a message every recipient handled: a message that
 * `close()` (or an overflow policy) drops before its handler ran rejects, one whose handler is running when
 * `close()` comes settles when that handler finishes, and none hangs.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../../src/memory/index.js';

/** A promise and its resolver, to hold a handler for as long as a test needs. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Settles to what `p` did: 'resolved' or the rejection's code. */
const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (e: { code?: string }) => e.code ?? String(e));

describe('memory: untilHandled and close()', () => {
  it('a running handler settles its publish; the queued message close() drops rejects with closed', async () => {
    const bus = createMemoryBus();
    const held = gate();
    const started: number[] = [];
    bus.subscribe('jobs', async (m) => {
      started.push(m.payload as number);
      await held.promise;
    });
    const first = outcome(bus.publish('jobs', 1, { untilHandled: true }));
    const second = outcome(bus.publish('jobs', 2, { untilHandled: true }));
    expect(started).toEqual([1]);
    const closed = bus.close();
    expect(await second).toBe('closed');
    held.open();
    expect(await first).toBe('resolved');
    await closed;
    expect(started).toEqual([1]);
  });

  it('a message waiting in a consumer buffer rejects with closed when the subscription ends unread', async () => {
    const bus = createMemoryBus();
    const consumer = bus.subscribe('jobs');
    const pending = outcome(bus.publish('jobs', 1, { untilHandled: true }));
    await consumer.unsubscribe();
    expect(await pending).toBe('closed');
  });

  it('a message read by fetch resolves its publish', async () => {
    const bus = createMemoryBus();
    const consumer = bus.subscribe('jobs');
    const pending = outcome(bus.publish('jobs', 1, { untilHandled: true }));
    expect((await consumer.fetch(1)).map((m) => m.payload)).toEqual([1]);
    expect(await pending).toBe('resolved');
  });

  it('a publisher parked by the block policy rejects with closed, and its message is not counted as handled', async () => {
    const bus = createMemoryBus();
    const held = gate();
    bus.subscribe('jobs', () => held.promise, { bufferSize: 1, overflow: 'block' });
    const results = [1, 2, 3].map((n) => outcome(bus.publish('jobs', n, { untilHandled: true })));
    const closed = bus.close();
    held.open();
    expect(await Promise.all(results)).toEqual(['resolved', 'closed', 'closed']);
    await closed;
  });

  it('a message an overflow policy drops rejects with dropped; the others resolve', async () => {
    for (const overflow of ['drop-newest', 'drop-oldest'] as const) {
      const bus = createMemoryBus();
      const held = gate();
      bus.subscribe('jobs', () => held.promise, { bufferSize: 1, overflow });
      const results = [1, 2, 3].map((n) => outcome(bus.publish('jobs', n, { untilHandled: true })));
      held.open();
      // 1 is running; the buffer holds one of 2 and 3
      expect(await Promise.all(results)).toEqual(overflow === 'drop-newest' ? ['resolved', 'resolved', 'dropped'] : ['resolved', 'dropped', 'resolved']);
      await bus.close();
    }
  });

  it('with two recipients, one handled and one dropped, the wait still rejects', async () => {
    const bus = createMemoryBus();
    const held = gate();
    bus.subscribe('jobs', () => undefined);
    bus.subscribe('jobs', () => held.promise, { bufferSize: 1, overflow: 'drop-newest' });
    const results = [1, 2, 3].map((n) => outcome(bus.publish('jobs', n, { untilHandled: true })));
    held.open();
    expect(await Promise.all(results)).toEqual(['resolved', 'resolved', 'dropped']);
  });

  it('with nobody subscribed it resolves at once (every one of zero recipients handled it), and after close() it rejects', async () => {
    const bus = createMemoryBus();
    await expect(bus.publish('nobody.home', 1, { untilHandled: true })).resolves.toBeUndefined();
    await bus.close();
    await expect(bus.publish('nobody.home', 1, { untilHandled: true })).rejects.toMatchObject({ code: 'closed' });
  });
});
