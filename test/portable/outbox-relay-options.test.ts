/**
 * The relay's per-publish wait is `requestTimeoutMs` (issue 14, one vocabulary); `publishTimeoutMs` is its
 * deprecated name: it still works, and giving both with different values is `invalid_argument` naming it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, TimeoutError } from '../../src/index.js';
import { createOutbox, memoryStore, type Outbox, type RelayOptions } from '../../src/outbox/index.js';
import { ScriptedTarget } from './outbox-fixtures.js';

describe('outbox relay: requestTimeoutMs and its deprecated name publishTimeoutMs', () => {
  const open: Outbox[] = [];
  const outbox = (target: ScriptedTarget, relay: RelayOptions): Outbox => {
    const box = createOutbox({ store: memoryStore(), target, relay: { backoff: () => 1, pollIntervalMs: 50, ...relay } });
    open.push(box);
    return box;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });
  /** The first attempt never settles; the second succeeds. */
  const hangOnce = (): ScriptedTarget => new ScriptedTarget((_call, attempt) => (attempt === 1 ? new Promise<void>(() => undefined) : undefined));

  it.each<[string, RelayOptions]>([
    ['requestTimeoutMs', { requestTimeoutMs: 30 }],
    ['the deprecated publishTimeoutMs', { publishTimeoutMs: 30 }],
    ['both, when they agree', { requestTimeoutMs: 30, publishTimeoutMs: 30 }],
  ])('%s bounds a publish to the target: the hung attempt fails with timeout and is resent', async (_name, relay) => {
    const target = hangOnce();
    const box = outbox(target, relay);
    await box.publish('hang', 1);
    await box.drained();
    expect(target.calls).toHaveLength(2);
    expect(target.acked).toHaveLength(1);
    expect((await box.refreshStatus()).lastError?.code).toBe(new TimeoutError('x', 1).code);
  });

  it('rejects requestTimeoutMs and publishTimeoutMs that differ, naming the deprecated one', () => {
    const error = captured(() => outbox(new ScriptedTarget(), { requestTimeoutMs: 30, publishTimeoutMs: 40 }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: 'invalid_argument', option: 'publishTimeoutMs' });
    expect((error as Error).message).toMatch(/requestTimeoutMs.*publishTimeoutMs/);
  });

  it.each<[keyof RelayOptions, number]>([
    ['requestTimeoutMs', 0],
    ['requestTimeoutMs', Infinity],
    ['publishTimeoutMs', -1],
    ['publishTimeoutMs', Number.NaN],
  ])('rejects %s = %s as invalid_argument naming it', (option, value) => {
    const error = captured(() => outbox(new ScriptedTarget(), { [option]: value }));
    expect(error).toMatchObject({ code: 'invalid_argument', option });
  });

  it('a refused relay option leaves nothing open: the store is never watched', () => {
    const store = memoryStore();
    let watching = 0;
    const watch = store.watch.bind(store);
    store.watch = (listener) => {
      watching++;
      const stop = watch(listener);
      return () => {
        watching--;
        stop();
      };
    };
    expect(captured(() => createOutbox({ store, target: new ScriptedTarget(), relay: { requestTimeoutMs: -1 } }))).toMatchObject({ option: 'requestTimeoutMs' });
    expect(watching).toBe(0);
    const box = createOutbox({ store, target: new ScriptedTarget() });
    open.push(box);
    expect(watching).toBeGreaterThan(0); // the probe counts: a good outbox does watch
  });
});

function captured(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
