import { describe, expect, it } from 'vitest';
import { ValidationError, type Message } from '../../src/index.js';
import { createMemoryBus } from '../../src/memory/index.js';
import { autoAck, decideRetry, exponentialBackoff, recover, retryPolicy } from '../../src/middleware/index.js';
import { ackable, redeliver } from './middleware-fixtures.js';
import { turn, until } from './waits.js';

const fail = (message = 'boom') => () => {
  throw new Error(message);
};

describe('autoAck', () => {
  it('acks when the handler returns and naks (rethrowing) when it throws', async () => {
    const ok = ackable(1);
    expect(await autoAck()(() => 'result')(ok.message)).toBe('result');
    expect(ok.settled).toEqual(['ack']);
    const bad = ackable(1);
    await expect(autoAck()(fail())(bad.message)).rejects.toThrow('boom');
    expect(bad.settled).toEqual(['nak']);
  });

  it('leaves a message the handler settled itself alone', async () => {
    const { message, settled } = ackable(1);
    await autoAck()((m) => m.term('mine'))(message);
    expect(settled).toEqual(['term:mine']);
  });

  it('is harmless on a transport without an acker, and the subscription survives throws', async () => {
    const bus = createMemoryBus();
    const errors: unknown[] = [];
    const seen: number[] = [];
    bus.subscribe('n', autoAck()((m: Message<unknown>) => {
      if (m.payload === 2) throw new Error('two');
      seen.push(m.payload as number);
    }), { onError: (e) => errors.push(e) });
    for (const n of [1, 2, 3]) await bus.publish('n', n);
    await until(() => seen.length + errors.length === 3, { what: 'all three handled' });
    expect(seen).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
  });
});

describe('retryPolicy', () => {
  it('naks transient failures with the backoff for the attempt, then acks the success', async () => {
    let calls = 0;
    const handler = retryPolicy({ backoff: (n) => n * 100 })(() => {
      if (++calls < 3) throw new Error('flaky');
    });
    expect(await redeliver(handler, 'x')).toEqual(['nak:100', 'nak:200', 'ack']);
  });

  it('terms a poison message at once and tells the dead-letter observer', async () => {
    const dead: Array<[unknown, string]> = [];
    const handler = retryPolicy({ onDeadLetter: (m, e, reason) => dead.push([m.payload, `${reason}/${(e as Error).name}`]) })(() => {
      throw new ValidationError('orders.created', [{ message: 'bad' }]);
    });
    const log = await redeliver(handler, 'poison');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^term:poison: ValidationError/);
    expect(dead).toEqual([['poison', 'poison/ValidationError']]);
  });

  it('terms after maxAttempts deliveries and honours a custom isRetryable', async () => {
    const reasons: string[] = [];
    const always = retryPolicy({ maxAttempts: 3, backoff: () => 0, onDeadLetter: (_m, _e, r) => reasons.push(r) })(fail());
    const log = await redeliver(always, 1);
    expect(log.slice(0, 2)).toEqual(['nak:0', 'nak:0']);
    expect(log[2]).toMatch(/^term:attempts_exhausted/);
    const custom = retryPolicy({ isRetryable: (e) => (e as Error).message !== 'fatal', onDeadLetter: (_m, _e, r) => reasons.push(r) })(fail('fatal'));
    expect((await redeliver(custom, 1))[0]).toMatch(/^term:poison/);
    // isRetryable overrides the default: a ValidationError it calls retryable is nak'ed, not terminated
    const lenient = retryPolicy({ isRetryable: () => true, backoff: () => 7 })(() => {
      throw new ValidationError('orders.created', [{ message: 'bad' }]);
    });
    expect((await redeliver(lenient, 1))[0]).toBe('nak:7');
    expect(reasons).toEqual(['attempts_exhausted', 'poison']);
  });

  it('still accepts the deprecated isPoison (the inverse of isRetryable), but not together with it', async () => {
    const reasons: string[] = [];
    const custom = retryPolicy({ isPoison: (e) => (e as Error).message === 'fatal', onDeadLetter: (_m, _e, r) => reasons.push(r) });
    expect((await redeliver(custom(fail('fatal')), 1))[0]).toMatch(/^term:poison/);
    const transient = await redeliver(custom(fail('net')), 1);
    expect(transient.slice(0, 4).every((s) => s.startsWith('nak:'))).toBe(true);
    expect(reasons).toEqual(['poison', 'attempts_exhausted']);
    expect(decideRetry(new Error('fatal'), ackable(1, { attempt: 1 }).message, { isPoison: () => true })).toEqual({ action: 'term', reason: 'poison' });
    expect(() => retryPolicy({ isRetryable: () => true, isPoison: () => false })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'isPoison' }));
  });

  it('reports every failure as final where nothing redelivers, and rethrows so the subscription counts it', async () => {
    const bus = createMemoryBus();
    const dead: string[] = [];
    const errors: unknown[] = [];
    const sub = bus.subscribe('jobs', retryPolicy({ onDeadLetter: (_m, _e, r) => dead.push(r) })(fail()), { onError: (e) => errors.push(e) });
    await bus.publish('jobs', 1);
    await until(() => errors.length > 0 && sub.stats.failed > 0, { what: 'the failure counted' });
    expect(dead).toEqual(['no_redelivery']);
    expect(errors).toHaveLength(1);
    expect(sub.stats.failed).toBe(1);
  });

  it('decides without side effects', () => {
    const transient = new Error('net');
    expect(decideRetry(transient, ackable(1, { attempt: 2 }).message, { backoff: (n) => n })).toEqual({ action: 'nak', delayMs: 2 });
    expect(decideRetry(transient, ackable(1, { attempt: 5 }).message)).toEqual({ action: 'term', reason: 'attempts_exhausted' });
  });

  it('rejects invalid options with invalid_argument', () => {
    expect(() => retryPolicy({ maxAttempts: 0 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => retryPolicy({ maxAttempts: 1.5 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => retryPolicy({ backoff: 5 as never })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'backoff' }));
    expect(() => retryPolicy({ isRetryable: 'no' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'isRetryable' }));
  });
});

describe('exponentialBackoff', () => {
  it('grows by the factor up to the cap, jitter only ever shortens', () => {
    const exact = exponentialBackoff({ initialMs: 10, factor: 3, maxMs: 200, jitter: 0 });
    expect([1, 2, 3, 4, 5].map(exact)).toEqual([10, 30, 90, 200, 200]);
    const jittered = exponentialBackoff({ initialMs: 100, jitter: 0.5 });
    for (let i = 0; i < 50; i++) {
      const d = jittered(1);
      expect(d).toBeGreaterThanOrEqual(50);
      expect(d).toBeLessThanOrEqual(100);
    }
  });

  it('rejects invalid options with invalid_argument', () => {
    for (const bad of [{ initialMs: -1 }, { factor: 0.5 }, { jitter: 2 }, { maxMs: Number.NaN }]) {
      expect(() => exponentialBackoff(bad)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });
});

describe('recover', () => {
  it('reports synchronous and asynchronous failures and resolves; naks what nobody settled', async () => {
    const reported: string[] = [];
    const guard = recover({ onError: (e, m) => reported.push(`${m.subject}:${(e as Error).message}`) });
    const sync = ackable(1);
    await expect(guard(fail('sync'))(sync.message)).resolves.toBeUndefined();
    const async = ackable(1);
    await expect(guard(async () => Promise.reject(new Error('async')))(async.message)).resolves.toBeUndefined();
    expect(reported).toEqual(['orders.created:sync', 'orders.created:async']);
    expect(sync.settled).toEqual(['nak']);
    const termed = ackable(1);
    await guard(retryPolicy()(() => {
      throw new ValidationError('s', [{ message: 'x' }]);
    }))(termed.message);
    expect(termed.settled).toHaveLength(1);
    expect(termed.settled[0]).toMatch(/^term:/);
  });

  it('survives an onError that throws, and keeps a subscription going', async () => {
    const bus = createMemoryBus();
    const seen: unknown[] = [];
    const sub = bus.subscribe('x', recover({ onError: fail('reporter') })((m: Message<unknown>) => {
      seen.push(m.payload);
      throw new Error('handler');
    }));
    await bus.publish('x', 1);
    await bus.publish('x', 2);
    await until(() => seen.length === 2, { what: 'both handled' });
    await turn(); // in-process: the subscription has counted the outcome of message 2
    expect(seen).toEqual([1, 2]);
    expect(sub.stats.failed).toBe(0);
  });
});
