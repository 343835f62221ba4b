/**
 * isoflux/testing under Vitest's fake timers (its vendored @sinonjs/fake-timers): ack-wait expiry,
 * nak delays, maxAttempts through ack timeouts and waitFor's timeout all happen exactly when the test moves the clock, never on their own. Node only: the Deno/workerd shim has no `vi`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Message } from '../../../src/index.js';
import { createFakeJetStream, record, type FakeJetStream } from '../../../src/testing/index.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Subscribes a handler to `pattern` that always throws `again`; returns when it was called (ms after now, fake clock). */
function failingCalls(js: FakeJetStream, pattern: string): number[] {
  const start = Date.now();
  const at: number[] = [];
  js.subscribe(
    pattern,
    () => {
      at.push(Date.now() - start);
      throw new Error('again');
    },
    { onError: () => undefined },
  );
  return at;
}

describe('fake JetStream under fake timers', () => {
  it('an unacknowledged message comes back after ackWaitMs with attempt + 1, not a millisecond earlier', async () => {
    await using js = createFakeJetStream({ ackWaitMs: 1000 });
    const attempts: number[] = [];
    js.subscribe('jobs.*', (m) => void attempts.push(m.delivery.attempt), { ack: 'manual' });
    await js.publish('jobs.1', 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toEqual([1]);
    await vi.advanceTimersByTimeAsync(999);
    expect(attempts).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('inProgress() extends the ack wait', async () => {
    await using js = createFakeJetStream({ ackWaitMs: 1000 });
    const held: Array<Message<unknown>> = [];
    js.subscribe('jobs.*', (m) => void held.push(m), { ack: 'manual' });
    await js.publish('jobs.1', 1);
    await vi.advanceTimersByTimeAsync(900);
    await held[0]?.inProgress();
    await vi.advanceTimersByTimeAsync(900);
    expect(held).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(held).toHaveLength(2);
  });

  // the retry triple under its names, and under the deprecated ones (maxDeliver, retryDelayMs) still accepted
  for (const [names, retry] of [
    ['maxAttempts / backoff', { maxAttempts: 3, backoff: (attempt: number) => attempt * 100 }],
    ['maxDeliver / retryDelayMs (deprecated)', { maxDeliver: 3, retryDelayMs: (attempt: number) => attempt * 100 }],
  ] as const) {
    it(`the automatic nak waits backoff(attempt), then the last attempt dead-letters: ${names}`, async () => {
      await using js = createFakeJetStream(retry);
      const at = failingCalls(js, 'jobs.*');
      await js.publish('jobs.1', 1);
      await vi.advanceTimersByTimeAsync(1000);
      expect(at).toEqual([0, 100, 300]);
      expect(js.deadLetters).toEqual([expect.objectContaining({ attempts: 3, reason: 'failed on delivery 3 of 3: Error: again' })]);
    });
  }

  it('a constant retryDelayMs (deprecated) is backoff () => n', async () => {
    await using js = createFakeJetStream({ retryDelayMs: 250, maxAttempts: 2 });
    const at = failingCalls(js, 'jobs.*');
    await js.publish('jobs.1', 1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(at).toEqual([0, 250]);
  });

  it('nak(delayMs) redelivers after the delay', async () => {
    await using js = createFakeJetStream();
    const at: number[] = [];
    js.subscribe('jobs.*', (m) => (at.push(Date.now()), m.delivery.attempt === 1 ? m.nak(400) : m.ack()), { ack: 'manual' });
    const start = Date.now();
    await js.publish('jobs.1', 1);
    await vi.advanceTimersByTimeAsync(399);
    expect(at.map((t) => t - start)).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(at.map((t) => t - start)).toEqual([0, 400]);
  });

  for (const [name, retry] of [
    ['maxAttempts', { maxAttempts: 2 }],
    ['maxDeliver (deprecated)', { maxDeliver: 2 }],
  ] as const) {
    it(`${name} used up through ack timeouts: the next redelivery is dead-lettered, as the real subscriber does`, async () => {
      await using js = createFakeJetStream({ ackWaitMs: 500, ...retry });
      const recording = record(js);
      js.subscribe('jobs.*', () => undefined, { ack: 'manual' });
      await js.publish('jobs.1', 1);
      await vi.advanceTimersByTimeAsync(1000);
      expect(recording.events.map((e) => e.kind)).toEqual(['published', 'delivered', 'delivered', 'dead-lettered']);
      expect(js.deadLetters[0]).toEqual(expect.objectContaining({ attempts: 3, reason: 'delivered 3 times, more than maxAttempts 2 (not acknowledged in time)' }));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(recording.select(['delivered'])).toHaveLength(2);
    });
  }

  it('a message a drop-newest buffer turned away comes back after the ack wait', async () => {
    await using js = createFakeJetStream({ ackWaitMs: 1000 });
    const handled: number[] = [];
    let release!: () => void;
    js.subscribe(
      'burst.*',
      async (m) => {
        handled.push(m.payload as number);
        if (m.payload === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      { bufferSize: 1, overflow: 'drop-newest' },
    );
    for (const n of [1, 2, 3]) await js.publish(`burst.${n}`, n);
    await vi.advanceTimersByTimeAsync(0);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(handled).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(handled).toEqual([1, 2, 3]);
  });
});

describe('recorder under fake timers', () => {
  it('waitFor times out when the clock passes timeoutMs, and only then', async () => {
    await using js = createFakeJetStream();
    const recording = record(js);
    let outcome = 'waiting';
    void recording.waitFor('never', undefined, { timeoutMs: 2000 }).catch((error: { code: string }) => (outcome = error.code));
    await vi.advanceTimersByTimeAsync(1999);
    expect(outcome).toBe('waiting');
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toBe('timeout');
  });
});
