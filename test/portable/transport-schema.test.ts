/**
 * The kit's `schema` option (bus level and per subscription) on transports whose payloads travel as values,
 * applied by the facade to what the driver delivers; the `decodes` capability that leaves it to a driver
 * that validates on its own receive path; and the refusal of a `codec` where there are no bytes.
 */
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import type { Message, StandardSchemaV1 } from '../../src/index.js';
import { createMemoryBus } from '../../src/memory/index.js';
import { createBroadcastBus } from '../../src/broadcast/index.js';
import { connectWorkerBus } from '../../src/worker/index.js';
import { BufferedSubscription, createBus, type Driver, type Sink } from '../../src/transport/index.js';
import { Inbox } from './conformance/wait.js';
import { doubling } from './conformance/schema.js';

const number = v.object({ n: v.number() });
const text = v.object({ s: v.string() });

/** A driver that hands every send straight to every listening sink (no routing): the facade does the rest. */
function loopDriver(decodes: boolean): Driver & { sinks: Set<Sink> } {
  const sinks = new Set<Sink>();
  const driver = {
    name: 'loop',
    sinks,
    send: async (subject: string, payload: unknown) => {
      for (const sink of sinks) await sink.deliver({ subject, payload, headers: {}, id: 'x', replyTo: undefined, delivery: { attempt: 1 }, hasAcker: false, settled: false, ack: async () => {}, nak: async () => {}, term: async () => {}, inProgress: async () => {} });
    },
    listen: (_pattern: string, _queue: string | undefined, sink: Sink) => {
      sinks.add(sink);
      return { close: (s: Sink) => void sinks.delete(s) };
    },
  };
  return decodes ? { ...driver, decodes: true } : driver;
}

describe('schema on a value transport (memory bus)', () => {
  it('applies the bus schema to every subscription; a subscription’s own schema wins', async () => {
    const errors: unknown[] = [];
    const bus = createMemoryBus({ schema: number, onError: (e) => errors.push(e) });
    const byBus = new Inbox();
    const own = new Inbox();
    bus.subscribe('a', byBus.push);
    bus.subscribe('a', own.push, { schema: text, onError: (e) => errors.push(e) });
    await bus.publish('a', { n: 1 });
    await bus.publish('a', { s: 'x' });
    expect(byBus.payloads).toEqual([{ n: 1 }]);
    expect(own.payloads).toEqual([{ s: 'x' }]);
    expect(errors.map((e) => (e as { code: string }).code)).toEqual(['invalid_payload', 'invalid_payload']);
    await bus.close();
  });

  it('costs nothing without a schema: the subscription is the plain one', () => {
    const bus = createMemoryBus();
    expect(Object.getPrototypeOf(bus.subscribe('a', () => undefined))).toBe(BufferedSubscription.prototype);
    const validated = createMemoryBus({ schema: number });
    expect(Object.getPrototypeOf(validated.subscribe('a', () => undefined))).not.toBe(BufferedSubscription.prototype);
  });

  it('keeps invalid payloads from iterators and fetch too', async () => {
    const bus = createMemoryBus();
    const s = bus.subscribe('a', { schema: doubling('async'), onError: () => undefined });
    for (const n of [1, 'x', 2]) await bus.publish('a', { n });
    const got = await s.fetch(2);
    expect(got.map((m) => m.payload)).toEqual([
      { n: 1, doubled: 2 },
      { n: 2, doubled: 4 },
    ]);
    expect(s.stats.failed).toBe(1);
    await bus.close();
  });

  it('makes an untilHandled publish reject with the ValidationError, sync and async', async () => {
    for (const mode of ['sync', 'async'] as const) {
      const bus = createMemoryBus();
      let handled = 0;
      bus.subscribe('a', () => void handled++, { schema: doubling(mode), onError: () => undefined });
      await expect(bus.publish('a', { n: 'x' }, { untilHandled: true })).rejects.toMatchObject({ code: 'invalid_payload', subject: 'a' });
      await expect(bus.publish('a', { n: 1 }, { untilHandled: true })).resolves.toBeUndefined();
      expect(handled).toBe(1);
      await bus.close();
    }
  });

  it('reports a schema that throws, and an onError that throws breaks neither publish nor delivery', async () => {
    const bus = createMemoryBus();
    const inbox = new Inbox();
    const throwing: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) => {
          if (value === 'boom') throw new Error('validator crashed');
          return { value };
        },
      },
    };
    const seen: unknown[] = [];
    bus.subscribe('a', inbox.push, {
      schema: throwing,
      onError: (e) => {
        seen.push(e);
        throw new Error('onError crashed');
      },
    });
    await expect(bus.publish('a', 'boom')).resolves.toBeUndefined();
    await bus.publish('a', 'fine');
    expect(inbox.payloads).toEqual(['fine']);
    expect((seen[0] as Error).message).toBe('validator crashed');
    await bus.close();
  });

  it('answers a request its responder’s schema refuses with the reason, over the facade’s inbox', async () => {
    const bus = createMemoryBus();
    let handled = 0;
    bus.respond('double', (m: Message<unknown>) => (handled++, (m.payload as { doubled: number }).doubled), { schema: doubling('async'), onError: () => undefined });
    expect((await bus.request('double', { n: 4 })).payload).toBe(8);
    await expect(bus.request('double', { n: 'x' }, { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'remote_error', remoteCode: 'invalid_payload', message: expect.stringContaining('expected a number') });
    expect(handled).toBe(1);
    await bus.close();
  });

  it('refuses a schema that is not one, naming the option', () => {
    expect(() => createMemoryBus({ schema: {} as never })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'schema' }));
    const bus = createMemoryBus();
    expect(() => bus.subscribe('a', () => undefined, { schema: 42 as never })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'schema' }));
  });
});

describe('codec where payloads travel as values', () => {
  const codec = { name: 'json', encode: (v: unknown) => JSON.stringify(v), decode: (s: unknown) => JSON.parse(String(s)) as unknown };
  const refusal = expect.objectContaining({ code: 'invalid_argument', option: 'codec', message: expect.stringMatching(/values .*not bytes.*use schema/) });

  it('is refused by the memory bus', () => {
    expect(() => createMemoryBus({ codec } as never)).toThrow(refusal);
  });

  // BroadcastChannel: browsers, Deno and Node have it; workerd does not (nothing to refuse there)
  if (typeof BroadcastChannel === 'function') it('is refused by the broadcast bus, before a channel is opened', () => {
    expect(() => createBroadcastBus({ codec } as never)).toThrow(refusal);
  });

  if (typeof MessageChannel === 'function') it('is refused by the worker bus, before it connects', async () => {
    const { port1 } = new MessageChannel();
    await expect(connectWorkerBus(port1, { codec, locks: null } as never)).rejects.toThrow(refusal);
    port1.close();
  });
});

describe('the decodes capability', () => {
  it('leaves schema and codec to a driver that decodes: the facade validates nothing', async () => {
    const driver = loopDriver(true);
    const bus = createBus(driver, { schema: number, codec: {} } as never);
    const inbox = new Inbox();
    bus.subscribe('a', inbox.push, { schema: number } as never);
    await bus.publish('a', 'not validated here');
    expect(inbox.payloads).toEqual(['not validated here']);
    expect(Object.getPrototypeOf([...driver.sinks][0])).toBe(BufferedSubscription.prototype);
    await bus.close();
  });

  it('has the facade validate for a driver without it', async () => {
    const errors: unknown[] = [];
    const bus = createBus(loopDriver(false), { schema: number, onError: (e) => errors.push(e) });
    const inbox = new Inbox();
    bus.subscribe('a', inbox.push);
    await bus.publish('a', 'refused');
    await bus.publish('a', { n: 1 });
    expect(inbox.payloads).toEqual([{ n: 1 }]);
    expect(errors).toEqual([expect.objectContaining({ code: 'invalid_payload' })]);
    await bus.close();
  });
});
