/**
 * `fetch`'s per-call wait is `timeoutMs` (issue 14, one vocabulary); `expiresMs` is its deprecated name: it
 * still works, and giving both with different values is `invalid_argument` naming it. Fake timers (Vitest's `vi`,
 * which the Deno and workerd runners do not have): no sleeps.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryBus } from '../../src/memory/index.js';
import type { FetchOptions, Message } from '../../src/index.js';

describe('fetch: timeoutMs and its deprecated name expiresMs', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each<[string, FetchOptions]>([
    ['timeoutMs', { timeoutMs: 50 }],
    ['the deprecated expiresMs', { expiresMs: 50 }],
    ['both, when they agree', { timeoutMs: 50, expiresMs: 50 }],
  ])('%s ends an empty wait with [] once it passes, not before', async (_name, options) => {
    const bus = createMemoryBus();
    const pull = bus.subscribe('a');
    let got: Message[] | undefined;
    void pull.fetch(5, options).then((batch) => (got = batch));
    await vi.advanceTimersByTimeAsync(49);
    expect(got).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(got).toEqual([]);
    // a message that arrives within the wait is taken
    const next = pull.fetch(5, options);
    await bus.publish('a', 7);
    expect((await next).map((m) => m.payload)).toEqual([7]);
    await bus.close();
  });

  it('rejects timeoutMs and expiresMs that differ, naming the deprecated one, even with messages waiting', async () => {
    const bus = createMemoryBus();
    const pull = bus.subscribe('a');
    await bus.publish('a', 1);
    await expect(pull.fetch(1, { timeoutMs: 50, expiresMs: 60 })).rejects.toMatchObject({
      code: 'invalid_argument',
      option: 'expiresMs',
      message: expect.stringMatching(/timeoutMs.*expiresMs/),
    });
    expect((await pull.fetch(1)).map((m) => m.payload)).toEqual([1]);
    await bus.close();
  });

  it.each<[keyof FetchOptions, unknown]>([
    ['timeoutMs', 0],
    ['timeoutMs', Infinity],
    ['expiresMs', -1],
    ['expiresMs', 'soon'],
  ])('rejects %s = %s as invalid_argument naming it', async (option, value) => {
    const bus = createMemoryBus();
    const pull = bus.subscribe('a');
    await expect(pull.fetch(1, { [option]: value } as FetchOptions)).rejects.toMatchObject({ code: 'invalid_argument', option });
    await bus.close();
  });
});
