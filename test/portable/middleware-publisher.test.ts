import { describe, expect, it } from 'vitest';
import { ClosedError, IsofluxError, type PublishOptions, type Publisher } from '../../src/index.js';
import { createMemoryBus } from '../../src/memory/index.js';
import { decoratePublisher, forwardedId, injectHeaders, injectMessageId, retryPublish } from '../../src/middleware/index.js';
import { ackable } from './middleware-fixtures.js';
import { turn, until } from './waits.js';

/** A publisher that fails its first `failures` calls with `error` and records every call. */
function flaky(failures: number, error: unknown = new IsofluxError('connection_failed', 'down')) {
  const calls: Array<{ subject: string; payload: unknown; options: PublishOptions | undefined }> = [];
  const publisher: Publisher = {
    async publish(subject, payload, options) {
      calls.push({ subject, payload, options });
      if (calls.length <= failures) throw error;
    },
  };
  return { publisher, calls };
}

describe('publisher middleware', () => {
  it('injectMessageId gives every publish an id unless the caller chose one', async () => {
    const bus = createMemoryBus();
    const ids: string[] = [];
    bus.subscribe('a', (m) => void ids.push(m.id));
    let n = 0;
    const publisher = decoratePublisher(bus, injectMessageId(() => `gen-${++n}`));
    await publisher.publish('a', 1);
    await publisher.publish('a', 2, { id: 'mine' });
    expect(ids).toEqual(['gen-1', 'mine']);
  });

  it('injectHeaders adds static or computed headers; the caller\'s win', async () => {
    const { publisher, calls } = flaky(0);
    const decorated = decoratePublisher(publisher, injectHeaders({ app: 'shop', env: 'test' }), injectHeaders((subject) => ({ route: subject })));
    await decorated.publish('orders.created', {}, { headers: { env: 'prod' } });
    expect(calls[0]?.options?.headers).toEqual({ app: 'shop', env: 'prod', route: 'orders.created' });
  });

  it('forwardedId keeps the id across a hop and derives stable ids for fan-out', () => {
    const { message } = ackable(1, { id: 'src' });
    expect(forwardedId(message)).toBe('src');
    expect([0, 1].map((i) => forwardedId(message, i))).toEqual(['src-0', 'src-1']);
  });

  it('rejects bad arguments with invalid_argument', () => {
    expect(() => injectHeaders(null as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => injectMessageId('x' as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});

describe('retryPublish', () => {
  it('retries transient failures with the backoff, under one id, and resolves', async () => {
    const { publisher, calls } = flaky(2);
    const waits: number[] = [];
    const retrying = decoratePublisher(publisher, retryPublish({ maxAttempts: 5, backoff: (n) => (waits.push(n), 1) }));
    await retrying.publish('orders.created', { n: 1 });
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([1, 2]);
    const ids = new Set(calls.map((c) => c.options?.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toEqual(expect.any(String));
  });

  it('rejects with the last error when attempts run out', async () => {
    let n = 0;
    const publisher: Publisher = {
      publish: async () => {
        throw new Error(`failure ${++n}`);
      },
    };
    await expect(decoratePublisher(publisher, retryPublish({ maxAttempts: 3, backoff: () => 0 })).publish('s', 1)).rejects.toThrow('failure 3');
  });

  it('does not retry errors that repeat on every attempt', async () => {
    const { publisher, calls } = flaky(5, new ClosedError('bus'));
    await expect(decoratePublisher(publisher, retryPublish({ backoff: () => 0 })).publish('s', 1)).rejects.toMatchObject({ code: 'closed' });
    expect(calls).toHaveLength(1);
    const bus = createMemoryBus();
    await expect(decoratePublisher(bus, retryPublish()).publish('bad..subject', 1)).rejects.toMatchObject({ code: 'invalid_subject' });
  });

  it('stops at once when the call is aborted in the middle of a wait', async () => {
    const { publisher, calls } = flaky(100);
    const controller = new AbortController();
    const retrying = decoratePublisher(publisher, retryPublish({ maxAttempts: 10, backoff: () => 10_000 }));
    const started = Date.now();
    const pending = retrying.publish('s', 1, { signal: controller.signal });
    await until(() => calls.length === 1, { what: 'the first attempt' });
    await turn(); // in-process: the failure is handled and the 10 s backoff has begun
    controller.abort(new Error('user left'));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'aborted', cause: expect.objectContaining({ message: 'user left' }) });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(calls).toHaveLength(1);
    await expect(retrying.publish('s', 1, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
    expect(calls).toHaveLength(1);
  });

  it('stops every loop when its own shutdown signal aborts', async () => {
    const shutdown = new AbortController();
    const { publisher, calls } = flaky(100);
    const retrying = decoratePublisher(publisher, retryPublish({ backoff: () => 10_000, signal: shutdown.signal }));
    const pending = [retrying.publish('a', 1), retrying.publish('b', 2)];
    await until(() => calls.length === 2, { what: 'both first attempts' });
    await turn(); // in-process: both loops are in their backoff
    shutdown.abort();
    const results = await Promise.allSettled(pending);
    expect(results.map((r) => r.status === 'rejected' && (r.reason as IsofluxError).code)).toEqual(['aborted', 'aborted']);
  });

  it('rejects invalid options with invalid_argument', () => {
    expect(() => retryPublish({ maxAttempts: 0 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => retryPublish({ backoff: 100 as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => retryPublish({ isRetryable: true as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});
