import { describe, expect, it } from 'vitest';
import { tap, type TapEvent } from '../../../src/index.js';
import { createMemoryBus } from '../../../src/memory/index.js';
import { createBus, type Driver } from '../../../src/transport/index.js';

/** A promise and its settle functions. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A driver whose sends return what `answer` gives for the subject (no subscribers: only published / failed events). */
function controlledDriver(answer: (subject: string) => Promise<void>): Driver & { ids: Array<string | undefined> } {
  const ids: Array<string | undefined> = [];
  return {
    name: 'ctl',
    ids,
    send(subject, _payload, options) {
      ids.push(options?.id);
      return answer(subject);
    },
    listen: () => ({ close: () => undefined }),
  };
}

const label = (e: TapEvent): string => `${e.kind}:${e.subject}${e.reason === undefined ? '' : `:${e.reason}`}`;

describe('the published / failed tap events of a send', () => {
  it('carry the message id, payload, headers, the time sent and the time until settled', async () => {
    const refused = Object.assign(new Error('refused'), { code: 'nope' });
    const driver = controlledDriver((subject) => (subject === 'bad' ? Promise.reject(refused) : Promise.resolve()));
    const bus = createBus(driver);
    const events: TapEvent[] = [];
    tap(bus, (e) => events.push(e));
    const before = performance.timeOrigin + performance.now();
    await bus.publish('ok', { n: 1 }, { id: 'm1', headers: { h: 'v' } });
    await expect(bus.publish('bad', 2)).rejects.toBe(refused);
    expect(events).toEqual([
      { kind: 'published', system: 'ctl', subject: 'ok', id: 'm1', payload: { n: 1 }, headers: { h: 'v' }, at: expect.any(Number), durationMs: expect.any(Number) },
      { kind: 'failed', system: 'ctl', subject: 'bad', id: driver.ids[1], payload: 2, headers: undefined, at: expect.any(Number), error: refused, reason: 'nope', durationMs: expect.any(Number) },
    ]);
    expect(driver.ids[0]).toBe('m1');
    expect(driver.ids[1]).toEqual(expect.any(String));
    for (const e of events) {
      expect(e.at).toBeGreaterThanOrEqual(before);
      expect(e.durationMs).toBeGreaterThanOrEqual(0);
    }
    await bus.close();
  });

  it('report a send that throws as failed', async () => {
    const boom = new Error('sync');
    const bus = createBus(
      controlledDriver(() => {
        throw boom;
      }),
    );
    const events: TapEvent[] = [];
    tap(bus, (e) => events.push(e));
    await expect(bus.publish('x', 1)).rejects.toBe(boom);
    expect(events.map((e) => [e.kind, e.error])).toEqual([['failed', boom]]);
    await bus.close();
  });

  it('follow settlement, one per send, in their place among other microtasks', async () => {
    const shared = Promise.resolve();
    const later = deferred();
    const bus = createBus(controlledDriver((subject) => (subject.startsWith('now') ? shared : later.promise)));
    const log: string[] = [];
    tap(bus, (e) => log.push(label(e)));
    // a microtask queued between two sends that share a promise: their events stay on either side of it
    const sends = [bus.publish('now.1', 1)];
    void Promise.resolve().then(() => log.push('marker'));
    sends.push(bus.publish('now.2', 2), bus.publish('later.1', 3), bus.publish('now.3', 4), bus.publish('later.2', 5));
    await Promise.all([sends[0], sends[1], sends[3]]);
    expect(log).toEqual(['published:now.1', 'marker', 'published:now.2', 'published:now.3']);
    later.reject(Object.assign(new Error('gone'), { code: 'gone' }));
    await Promise.allSettled(sends);
    expect(log.slice(4)).toEqual(['failed:later.1:gone', 'failed:later.2:gone']);
    await bus.close();
  });

  it('keep their order when a listener throws or publishes from inside an event', async () => {
    const shared = Promise.resolve();
    const bus = createBus(controlledDriver(() => shared));
    const log: string[] = [];
    let thrown = false;
    tap(bus, () => {
      if (!thrown) {
        thrown = true;
        throw new Error('listener bug');
      }
    });
    tap(bus, (e) => {
      log.push(label(e));
      if (e.subject === 'a') void bus.publish('echo', 0);
    });
    await Promise.all([bus.publish('a', 1), bus.publish('b', 2)]);
    await bus.publish('c', 3);
    expect(log).toEqual(['published:a', 'published:b', 'published:echo', 'published:c']);
    await bus.close();
  });

  it('span the synchronous delivery they caused', async () => {
    const bus = createMemoryBus();
    const events: TapEvent[] = [];
    tap(bus, (e) => events.push(e));
    bus.subscribe('s', () => undefined);
    await bus.publish('s', 1);
    const published = events.find((e) => e.kind === 'published');
    const delivered = events.find((e) => e.kind === 'delivered');
    expect(events.map((e) => e.kind)).toEqual(['delivered', 'published']);
    expect(published?.id).toBe(delivered?.id);
    expect(published?.at).toBeLessThanOrEqual(delivered?.at ?? -1);
    expect((published?.at ?? 0) + (published?.durationMs ?? 0)).toBeGreaterThanOrEqual((delivered?.at ?? Infinity) + (delivered?.durationMs ?? 0));
    await bus.close();
  });
});
