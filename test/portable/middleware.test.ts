import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TimeoutError, ValidationError, compose, type Message } from '../../src/index.js';
import { createMemoryBus } from '../../src/memory/index.js';
import { chain, dedup, logging, signalOf, timeout, validatePayload, withSchema, type HandlingRecord } from '../../src/middleware/index.js';
import { ackable, sleep } from './middleware-fixtures.js';
import { turn, until } from './waits.js';

const fail = (message = 'boom') => () => {
  throw new Error(message);
};

describe('chain', () => {
  it('runs middleware outermost first and nests', async () => {
    const trace: string[] = [];
    const tag = (name: string) => <T>(next: (m: Message<T>) => unknown) => async (m: Message<T>) => {
      trace.push(`>${name}`);
      await next(m);
      trace.push(`<${name}`);
    };
    const handler = chain(tag('a'), chain(tag('b'), tag('c')))(() => void trace.push('h'));
    await handler(ackable(1).message);
    expect(trace).toEqual(['>a', '>b', '>c', 'h', '<c', '<b', '<a']);
  });
});

describe('timeout', () => {
  it('aborts the signal the handler reads and fails with timeout', async () => {
    let reason: unknown;
    const handler = timeout(20)(async (m) => {
      const signal = signalOf(m);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      reason = signal.reason;
    });
    const started = Date.now();
    const error = await Promise.resolve(handler(ackable(1).message)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'timeout', timeoutMs: 20 });
    expect(Date.now() - started).toBeLessThan(1000);
    await sleep(0);
    expect(reason).toBe(error);
  });

  it('lets a fast handler through with a live signal, and never aborts without a timeout', async () => {
    let signal: AbortSignal | undefined;
    expect(await timeout(1000)((m) => ((signal = signalOf(m)), 'fast'))(ackable(1).message)).toBe('fast');
    expect(signal?.aborted).toBe(false);
    expect(signalOf(ackable(1).message).aborted).toBe(false);
  });

  it('aborts an inner timeout when the outer one fires, and keeps the signal across derived messages', async () => {
    let inner: AbortSignal | undefined;
    const schema = z.object({ n: z.number() });
    const handler = chain(timeout(15), validatePayload(schema), timeout(10_000))(async (m) => {
      inner = signalOf(m);
      await sleep(200);
    });
    await expect(Promise.resolve(handler(ackable({ n: 1 }).message))).rejects.toMatchObject({ code: 'timeout', timeoutMs: 15 });
    expect(inner?.aborted).toBe(true);
  });

  it('frees the subscription: the next message is handled while a stuck one is abandoned', async () => {
    const bus = createMemoryBus();
    const done: number[] = [];
    const errors: unknown[] = [];
    bus.subscribe('slow', timeout(10)(async (m: Message<unknown>) => {
      if (m.payload === 1) await new Promise(() => undefined);
      done.push(m.payload as number);
    }), { onError: (e) => errors.push(e) });
    await bus.publish('slow', 1);
    await bus.publish('slow', 2);
    await until(() => done.length > 0 && errors.length > 0, { what: 'message 2 handled after message 1 timed out' });
    expect(done).toEqual([2]);
    expect(errors).toEqual([expect.objectContaining({ code: 'timeout' })]);
  });

  it('rejects a negative or non-finite duration', () => {
    expect(() => timeout(-1)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => timeout(Number.POSITIVE_INFINITY)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});

describe('dedup', () => {
  it('skips and acks a message whose id was handled, but handles a redelivery after a failure', async () => {
    const handled: string[] = [];
    let failNext = true;
    const duplicates: string[] = [];
    const handler = dedup({ onDuplicate: (m) => duplicates.push(m.id) })((m) => {
      if (failNext) {
        failNext = false;
        throw new Error('first try fails');
      }
      handled.push(m.id);
    });
    await expect(Promise.resolve(handler(ackable(1, { id: 'a' }).message))).rejects.toThrow('first try fails');
    await handler(ackable(1, { id: 'a', attempt: 2 }).message);
    const copy = ackable(1, { id: 'a', attempt: 3 });
    await handler(copy.message);
    expect(handled).toEqual(['a']);
    expect(duplicates).toEqual(['a']);
    expect(copy.settled).toEqual(['ack']);
  });

  it('makes a concurrent copy wait for the first: skipped if it succeeds, handled if it fails', async () => {
    let calls = 0;
    let release!: (ok: boolean) => void;
    const handler = dedup()(async () => {
      calls++;
      if (calls === 1 && !(await new Promise<boolean>((r) => (release = r)))) throw new Error('first failed');
    });
    const first = Promise.resolve(handler(ackable(1, { id: 'x' }).message)).catch(() => 'failed');
    const second = Promise.resolve(handler(ackable(1, { id: 'x' }).message));
    await turn(); // in-process: the second copy had every chance to run
    expect(calls).toBe(1);
    release(false);
    expect(await first).toBe('failed');
    await second;
    expect(calls).toBe(2);
  });

  it('forgets ids after ttlMs and never remembers more than maxEntries', async () => {
    let now = 0;
    const handled: string[] = [];
    const handler = dedup({ ttlMs: 100, maxEntries: 2, now: () => now })((m) => void handled.push(m.id));
    for (const id of ['a', 'b', 'a']) await handler(ackable(1, { id }).message);
    expect(handled).toEqual(['a', 'b']);
    now = 150;
    await handler(ackable(1, { id: 'a' }).message);
    expect(handled).toEqual(['a', 'b', 'a']);
    for (const id of ['c', 'd']) await handler(ackable(1, { id }).message);
    await handler(ackable(1, { id: 'a' }).message); // evicted by c and d (capacity 2)
    expect(handled).toEqual(['a', 'b', 'a', 'c', 'd', 'a']);
  });

  it('works on the memory bus with publisher-chosen ids', async () => {
    const bus = createMemoryBus();
    const seen: unknown[] = [];
    bus.subscribe('pay', dedup()((m: Message<unknown>) => void seen.push(m.payload)));
    await bus.publish('pay', 'once', { id: 'p-1' });
    await bus.publish('pay', 'twice', { id: 'p-1' });
    await bus.publish('pay', 'other', { id: 'p-2' });
    await bus.publish('pay', 'end', { id: 'p-3' }); // barrier: one subscription handles in order
    await until(() => seen.includes('end'), { what: 'the end marker' });
    expect(seen).toEqual(['once', 'other', 'end']);
  });

  it('rejects invalid options with invalid_argument', () => {
    expect(() => dedup({ maxEntries: 0 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => dedup({ ttlMs: -5 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => dedup({ key: 'id' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});

describe('validatePayload / withSchema', () => {
  const order = z.object({ id: z.string(), qty: z.number().int().default(1) });

  it('hands the schema output to the handler, typed', async () => {
    const seen: Array<{ id: string; qty: number }> = [];
    const { message, settled } = ackable({ id: 'o1' });
    await withSchema(order, (m) => void seen.push(m.payload))(message);
    expect(seen).toEqual([{ id: 'o1', qty: 1 }]);
    expect(settled).toEqual([]);
  });

  it('terms an invalid payload, skips the handler and reports a ValidationError', async () => {
    const bus = createMemoryBus();
    const errors: unknown[] = [];
    let called = false;
    bus.subscribe('orders', compose(() => void (called = true), validatePayload(order)), { onError: (e) => errors.push(e) });
    await bus.publish('orders', { id: 42 });
    await until(() => errors.length > 0, { what: 'the validation error' });
    expect(called).toBe(false);
    expect(errors).toEqual([expect.objectContaining({ code: 'invalid_payload', subject: 'orders' })]);
    const { message, settled } = ackable({ id: 42 });
    await expect(Promise.resolve(validatePayload(order)(() => undefined)(message))).rejects.toBeInstanceOf(ValidationError);
    expect(settled[0]).toMatch(/^term:Payload on "orders.created" failed validation/);
  });

  it('settles the original message when the handler acks the validated one', async () => {
    const { message, settled } = ackable({ id: 'o1' });
    await withSchema(order, (m) => m.ack())(message);
    expect(settled).toEqual(['ack']);
    expect(message.settled).toBe(true);
  });

  it('rejects something that is not a Standard Schema', () => {
    expect(() => validatePayload({} as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});

describe('logging', () => {
  it('records subject, id, attempt, duration and the error, passing the outcome through', async () => {
    const records: HandlingRecord[] = [];
    let clock = 0;
    const log = logging({ log: (r) => records.push(r), now: () => (clock += 5) });
    expect(await log(() => 'ok')(ackable(1, { id: 'a', attempt: 2 }).message)).toBe('ok');
    await expect(Promise.resolve(log(fail())(ackable(1, { id: 'b' }).message))).rejects.toThrow('boom');
    expect(records).toEqual([
      { subject: 'orders.created', id: 'a', attempt: 2, durationMs: 5 },
      { subject: 'orders.created', id: 'b', attempt: 1, durationMs: 5, error: expect.objectContaining({ message: 'boom' }) },
    ]);
  });

  it('rejects a log that is not a function', () => {
    expect(() => logging({ log: 'console' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});
