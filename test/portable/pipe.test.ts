import { describe, expect, it } from 'vitest';
import { IsofluxError, type Message, type Publisher } from '../../src/index.js';
import { createMemoryBus } from '../../src/memory/index.js';
import { flatMap, forward, map, pipeHandler } from '../../src/pipe/index.js';
import { Inbox } from './conformance/wait.js';
import { ackable, redeliver, sleep } from './middleware-fixtures.js';
import { turn, until } from './waits.js';

const failing = (error: unknown = new IsofluxError('connection_failed', 'target down')): Publisher => ({
  publish: async () => {
    throw error;
  },
});

describe('pipes on the memory bus', () => {
  it('forward republishes payload, id and headers, to the same subject on another bus or a computed one', async () => {
    const source = createMemoryBus();
    const archive = createMemoryBus();
    const inbox = new Inbox();
    archive.subscribe('>', inbox.push);
    forward(source, 'orders.>', archive);
    forward(source, 'orders.>', archive, { subject: (m) => `archive.${m.subject}` });
    await source.publish('orders.created', { n: 1 }, { id: 'o-1', headers: { trace: 't1' } });
    const got = await inbox.waitFor(2);
    expect(got.map((m) => [m.subject, m.id, m.headers.trace, m.payload]).sort()).toEqual([
      ['archive.orders.created', 'o-1', 't1', { n: 1 }],
      ['orders.created', 'o-1', 't1', { n: 1 }],
    ]);
  });

  it('map publishes the transformed message under the source id, in order', async () => {
    const bus = createMemoryBus();
    const inbox = new Inbox();
    bus.subscribe('doubled', inbox.push);
    map(bus, 'numbers', bus, async (m: Message<unknown>) => ({ subject: 'doubled', payload: (m.payload as number) * 2 }));
    for (const n of [1, 2, 3]) await bus.publish('numbers', n, { id: `n${n}` });
    await inbox.waitFor(3);
    expect(inbox.payloads).toEqual([2, 4, 6]);
    expect(inbox.messages.map((m) => m.id)).toEqual(['n1', 'n2', 'n3']);
  });

  it('flatMap publishes none, one or many messages with derived ids', async () => {
    const bus = createMemoryBus();
    const inbox = new Inbox();
    bus.subscribe('lines', inbox.push);
    flatMap(bus, 'orders', bus, (m: Message<unknown>) => (m.payload as string[]).map((sku) => ({ subject: 'lines', payload: sku })));
    await bus.publish('orders', [], { id: 'empty' });
    await bus.publish('orders', ['a', 'b'], { id: 'o7' });
    await inbox.waitFor(2);
    expect(inbox.messages.map((m) => [m.id, m.payload])).toEqual([
      ['o7-0', 'a'],
      ['o7-1', 'b'],
    ]);
  });

  it('a filter skips messages; the dead-letter observer gets failures with the error', async () => {
    const bus = createMemoryBus();
    const inbox = new Inbox();
    bus.subscribe('big', inbox.push);
    const dead: Array<[unknown, string, string]> = [];
    const errors: unknown[] = [];
    map(bus, 'amounts', bus, (m: Message<unknown>) => {
      if (m.payload === 13) throw new Error('unlucky');
      return { subject: 'big', payload: m.payload };
    }, {
      filter: (m) => (m.payload as number) > 10,
      onDeadLetter: (m, e, reason) => dead.push([m.payload, (e as Error).message, reason]),
      onError: (e) => errors.push(e),
    });
    for (const n of [5, 13, 20]) await bus.publish('amounts', n);
    await inbox.waitFor(1);
    await until(() => dead.length > 0 && errors.length > 0, { what: 'the dead letter reported' });
    expect(inbox.payloads).toEqual([20]);
    expect(dead).toEqual([[13, 'unlucky', 'no_redelivery']]);
    expect(errors).toHaveLength(1);
  });

  it('a slow target slows the pipe and its publishers (block policy), holding a bounded number of messages', async () => {
    const bus = createMemoryBus();
    const releases: Array<() => void> = [];
    const target = bus.subscribe('out', () => new Promise<void>((r) => releases.push(r)), { bufferSize: 2 });
    const pipe = forward(bus, 'in', bus, { subject: 'out', bufferSize: 2 });
    let accepted = 0;
    const producer = (async () => {
      for (let i = 0; i < 20; i++) {
        await bus.publish('in', i);
        accepted++;
      }
    })();
    await until(() => accepted === 6 && releases.length === 1, { what: 'the producer held after 6' });
    // held: 1 in the target handler, 2 in its buffer, 1 parked by the pipe's publish, 2 in the pipe's buffer;
    // the producer's next publish stays pending
    expect(accepted).toBe(6);
    expect(target.stats.pending + pipe.stats.pending).toBe(6);
    await turn(); // in-process: nothing left to run would let the producer on
    expect(accepted).toBe(6);
    while (accepted < 20 || releases.length > 0) {
      releases.shift()?.();
      await sleep(0);
    }
    await producer;
    expect(target.stats.delivered).toBe(20);
  });

  it('rejects bad arguments with invalid_argument', () => {
    const bus = createMemoryBus();
    expect(() => forward({} as never, 'a', bus)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => forward(bus, 'a', {} as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => forward(bus, 'a', bus, { subject: 7 as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => map(bus, 'a', bus, 'x' as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => flatMap(bus, 'a', bus, undefined as never)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => forward(bus, 'a', bus, { filter: true as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => forward(bus, 'bad..pattern', bus)).toThrow(expect.objectContaining({ code: 'invalid_subject' }));
  });
});

describe('pipe settlement on an acking transport', () => {
  const toSame = (m: Message<unknown>) => [{ subject: 'out', payload: m.payload }];

  it('acks after publishing, and acks (does not retry) a filtered message', async () => {
    const bus = createMemoryBus();
    const passed = ackable(1);
    await pipeHandler(bus, toSame, { filter: () => true })(passed.message);
    expect(passed.settled).toEqual(['ack']);
    const filtered = ackable(1);
    await pipeHandler(bus, toSame, { filter: () => false })(filtered.message);
    expect(filtered.settled).toEqual(['ack']);
  });

  it('naks a failed publish for redelivery, and dead-letters it once attempts run out', async () => {
    const dead: string[] = [];
    const handler = pipeHandler(failing(), toSame, { retry: { maxAttempts: 3, backoff: () => 7 }, onDeadLetter: (m, e, reason) => dead.push(`${m.id}:${(e as Error).message}:${reason}`) });
    const log = await redeliver(handler, 'x');
    expect(log.slice(0, 2)).toEqual(['nak:7', 'nak:7']);
    expect(log[2]).toMatch(/^term:attempts_exhausted/);
    expect(dead).toEqual(['same-id:target down:attempts_exhausted']);
  });

  it('terms at once when the target refuses the payload for good', async () => {
    const dead: string[] = [];
    const handler = pipeHandler(createMemoryBus(), () => [{ subject: 'not valid', payload: 1 }], { onDeadLetter: (_m, _e, reason) => dead.push(reason) });
    const log = await redeliver(handler, 'x');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^term:poison/);
    expect(dead).toEqual(['poison']);
  });
});
