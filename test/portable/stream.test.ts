import { describe, expect, it } from 'vitest';
import { createMessage, type Message } from '../../src/index.js';
import { createMemoryBus } from '../../src/memory/index.js';
import { merge, toStream } from '../../src/stream/index.js';
import { Inbox } from './conformance/wait.js';
import { sleep } from './middleware-fixtures.js';
import { gate as opened, turn, until } from './waits.js';

/** Handlers that park until released, recording how many run at once. */
function gated() {
  const parked: Array<() => void> = [];
  const state = { running: 0, peak: 0, order: [] as unknown[] };
  const handler = (m: Message<unknown>) =>
    new Promise<void>((resolve) => {
      state.running++;
      state.peak = Math.max(state.peak, state.running);
      parked.push(() => {
        state.running--;
        state.order.push(m.payload);
        resolve();
      });
    });
  const releaseAll = async () => {
    while (parked.length > 0) {
      parked.shift()?.();
      await sleep(0);
    }
  };
  return { handler, parked, state, releaseAll };
}

async function* messages(...payloads: unknown[]): AsyncGenerator<Message<unknown>> {
  for (const payload of payloads) yield createMessage({ subject: 'gen', payload });
}

describe('toStream', () => {
  it('iterates a subscription and unsubscribes when the loop breaks', async () => {
    const bus = createMemoryBus();
    const sub = bus.subscribe('n', { bufferSize: 8 });
    for (const n of [1, 2, 3]) await bus.publish('n', n);
    const seen: unknown[] = [];
    for await (const m of toStream(sub)) {
      seen.push(m.payload);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([1, 2]);
    expect(sub.isClosed).toBe(true);
  });

  it('reads any async iterable of messages', async () => {
    const inbox = new Inbox();
    const result = await toStream(messages('a', 'b', 'c')).process(2, inbox.push);
    expect(inbox.payloads).toEqual(['a', 'b', 'c']);
    expect(result).toEqual({ handled: 3, failed: 0 });
  });

  it('rejects what it cannot read, and a second consumer', () => {
    expect(() => toStream({} as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    const stream = toStream(messages());
    void stream.process(1, () => undefined);
    expect(() => stream.tee()).toThrow(expect.objectContaining({ code: 'invalid_argument', message: expect.stringMatching(/already consumed by process/) }));
  });

  it('fails processing of a subscription that has a handler with invalid_argument', async () => {
    const bus = createMemoryBus();
    await expect(toStream(bus.subscribe('x', () => undefined)).process(1, () => undefined)).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('MessageStream.process', () => {
  it('keeps at most n in flight, sliding (a slow message does not hold the rest back)', async () => {
    const bus = createMemoryBus();
    const sub = bus.subscribe('jobs', { bufferSize: 64 });
    const done: number[] = [];
    let running = 0;
    let peak = 0;
    const zero = opened();
    const processing = toStream(sub).process(3, async (m) => {
      running++;
      peak = Math.max(peak, running);
      await (m.payload === 0 ? zero.promise : sleep(1));
      done.push(m.payload as number);
      running--;
    });
    for (let i = 0; i < 20; i++) await bus.publish('jobs', i);
    // all 19 others finish while message 0 is still held: a batch of 3 would wait for it
    await until(() => done.length === 19, { what: '19 done beside the held message' });
    expect(done).not.toContain(0);
    zero.open();
    await sub.drain();
    expect(await processing).toEqual({ handled: 20, failed: 0 });
    expect(peak).toBe(3);
  });

  it('keeps order per subject when asked, running subjects in parallel', async () => {
    const bus = createMemoryBus();
    const sub = bus.subscribe('acct.*', { bufferSize: 64 });
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const processing = toStream(sub).process(4, async (m) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(m.subject === 'acct.a' ? 3 : 1);
      log.push(`${m.subject}:${String(m.payload)}`);
      running--;
    }, { orderBy: 'subject' });
    for (let i = 0; i < 5; i++) for (const acct of ['a', 'b']) await bus.publish(`acct.${acct}`, i);
    await until(() => log.length === 10, { what: 'all 10 handled' });
    await sub.unsubscribe();
    await processing;
    const of = (acct: string) => log.filter((l) => l.startsWith(`acct.${acct}`));
    expect(of('a')).toEqual([0, 1, 2, 3, 4].map((i) => `acct.a:${i}`));
    expect(of('b')).toEqual([0, 1, 2, 3, 4].map((i) => `acct.b:${i}`));
    expect(peak).toBe(2);
  });

  it('reports handler failures (sync and async) and keeps going', async () => {
    const errors: string[] = [];
    const result = await toStream(messages(1, 2, 3, 4)).process(2, (m) => {
      if (m.payload === 2) throw new Error('sync');
      if (m.payload === 3) return Promise.reject(new Error('async'));
    }, { onError: (e) => errors.push((e as Error).message) });
    expect(result).toEqual({ handled: 4, failed: 2 });
    expect(errors.sort()).toEqual(['async', 'sync']);
  });

  it('backpressure: a slow stage makes publishers wait under the block policy; memory stays bounded', async () => {
    const bus = createMemoryBus();
    const sub = bus.subscribe('work', { bufferSize: 4, overflow: 'block' });
    const { handler, state, releaseAll } = gated();
    const processing = toStream(sub).process(2, handler);
    let accepted = 0;
    let last: Promise<void> | undefined;
    const producer = (async () => {
      for (let i = 0; i < 50; i++) {
        last = bus.publish('work', i);
        await last;
        accepted++;
      }
    })();
    // the publish that waits for room counts in pending: 4 buffered + 1 parked
    await until(() => sub.stats.pending === 5 && state.running === 2, { what: 'a parked publish behind 2 running' });
    expect(state.running).toBe(2);
    // at most 2 in flight + 2 fetched ahead by the stage + 4 in the subscription's buffer; the next publish waits
    const held = accepted;
    expect(held).toBeGreaterThanOrEqual(6);
    expect(held).toBeLessThanOrEqual(8);
    expect(sub.stats.pending).toBe(5); // 4 buffered + 1 parked publish
    let settled = false;
    void last?.then(() => (settled = true));
    await turn(); // in-process: every microtask queued before has run
    expect(settled).toBe(false);
    expect(accepted).toBe(held);
    while (accepted < 50) await releaseAll();
    await producer;
    await releaseAll();
    await sub.drain();
    expect(await processing).toEqual({ handled: 50, failed: 0 });
    expect(state.peak).toBe(2);
  });

  it('stops on abort: in-flight messages finish, the subscription is closed', async () => {
    const bus = createMemoryBus();
    const sub = bus.subscribe('x', { bufferSize: 16 });
    const { handler, state, releaseAll } = gated();
    const controller = new AbortController();
    const processing = toStream(sub).process(2, handler, { signal: controller.signal });
    for (let i = 0; i < 5; i++) await bus.publish('x', i);
    await until(() => state.running === 2, { what: '2 in flight' });
    controller.abort();
    await turn(); // in-process: whatever the abort set off has run
    expect(sub.isClosed).toBe(false); // waits for the 2 in flight
    await releaseAll();
    expect(await processing).toEqual({ handled: 2, failed: 0 });
    expect(state.order).toEqual([0, 1]);
    expect(sub.isClosed).toBe(true);
  });

  it('rejects invalid arguments with invalid_argument', () => {
    const s = () => toStream(messages());
    expect(() => s().process(0, () => undefined)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => s().process(2.5, () => undefined)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => s().process(1, 'h' as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => s().process(1, () => undefined, { orderBy: 'id' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => s().tee(1)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => s().fanOut(3, { bufferSize: 0 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => merge([])).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});

describe('tee, fanOut, merge, publishTo', () => {
  it('tee gives every branch every message in order; the slowest branch sets the pace', async () => {
    const bus = createMemoryBus();
    const sub = bus.subscribe('t', { bufferSize: 2 });
    const [fast, slow] = toStream(sub).tee(2, { bufferSize: 2 }) as [ReturnType<typeof toStream>, ReturnType<typeof toStream>];
    const fastSeen: unknown[] = [];
    const gate = gated();
    const a = fast.process(1, (m) => void fastSeen.push(m.payload));
    const b = slow.process(1, gate.handler);
    let accepted = 0;
    const producer = (async () => {
      for (let i = 0; i < 20; i++) {
        await bus.publish('t', i);
        accepted++;
      }
    })();
    await until(() => gate.state.running === 1 && sub.stats.pending === 3, { what: 'the producer parked behind the slow branch' });
    await turn();
    // slow: 1 in flight + 1 fetched ahead + 2 in its branch; source: 2 buffered; the next publish waits
    expect(accepted).toBe(6);
    expect(fastSeen).toEqual([0, 1, 2, 3]);
    while (accepted < 20) await gate.releaseAll();
    await producer;
    await gate.releaseAll();
    await sub.drain();
    await Promise.all([a, b]);
    expect(fastSeen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(gate.state.order).toEqual(fastSeen);
  });

  it('fanOut deals messages round-robin and skips a full branch', async () => {
    const branches = toStream(messages(0, 1, 2, 3, 4, 5)).fanOut(3, { bufferSize: 8 });
    const seen = await Promise.all(branches.map(async (b) => {
      const got: unknown[] = [];
      await b.process(1, (m) => void got.push(m.payload));
      return got;
    }));
    expect(seen).toEqual([[0, 3], [1, 4], [2, 5]]);

    const [stuck, free] = toStream(messages(...Array.from({ length: 10 }, (_, i) => i))).fanOut(2, { bufferSize: 1 }) as [ReturnType<typeof toStream>, ReturnType<typeof toStream>];
    const freeSeen: unknown[] = [];
    await free.process(1, (m) => void freeSeen.push(m.payload)).then(undefined, () => undefined);
    expect(freeSeen).toHaveLength(9); // the stuck branch holds one message in its buffer of 1
    await stuck.close();
  });

  it('merge interleaves several streams and ends when all have ended', async () => {
    const bus = createMemoryBus();
    const a = bus.subscribe('a', { bufferSize: 4 });
    const b = bus.subscribe('b', { bufferSize: 4 });
    const inbox = new Inbox();
    const processing = merge([toStream(a), toStream(b), toStream(messages('g'))], { bufferSize: 2 }).process(1, inbox.push);
    for (let i = 0; i < 5; i++) {
      await bus.publish('a', `a${i}`);
      await bus.publish('b', `b${i}`);
    }
    await inbox.waitFor(11);
    await a.drain();
    await b.drain();
    expect(await processing).toEqual({ handled: 11, failed: 0 });
    expect(inbox.payloads.filter((p) => String(p).startsWith('a'))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(inbox.payloads.filter((p) => String(p).startsWith('b'))).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
  });

  it('closing a merged stream closes its sources', async () => {
    const bus = createMemoryBus();
    const a = bus.subscribe('a');
    const b = bus.subscribe('b');
    const merged = merge([toStream(a), toStream(b)]);
    await merged.close();
    await until(() => a.isClosed && b.isClosed, { what: 'both sources closed' });
  });

  it('publishTo republishes (ids kept) and resolves when the stream ends', async () => {
    const bus = createMemoryBus();
    const inbox = new Inbox();
    bus.subscribe('copy.>', inbox.push);
    const sub = bus.subscribe('orig.*', { bufferSize: 8 });
    const publishing = toStream(sub).publishTo(bus, { subject: (m) => `copy.${m.subject}` });
    await bus.publish('orig.x', 1, { id: 'i1' });
    await bus.publish('orig.y', 2, { id: 'i2' });
    await inbox.waitFor(2);
    await sub.drain();
    expect(await publishing).toEqual({ handled: 2, failed: 0 });
    expect(inbox.messages.map((m) => [m.subject, m.id, m.payload])).toEqual([
      ['copy.orig.x', 'i1', 1],
      ['copy.orig.y', 'i2', 2],
    ]);
  });
});
