/**
 * Schema versions on a real (memory) bus: the publisher wrapper stamps the version, the middleware hands
 * handlers this build's version (upcast through the chain) or reports a typed version_mismatch and never
 * calls the handler with a payload of another version.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/memory/index.js';
import type { Message } from '../../src/index.js';
import { SCHEMA_VERSION_HEADER, VersionMismatchError, versioned, versionedPublisher, type SchemaVersions } from '../../src/versioning/index.js';
import { Inbox as Collected } from './conformance/wait.js';

interface V1 {
  total: number;
}
interface V3 {
  amount: { cents: number; currency: string };
  note: string;
}

/** Build "v3": reads orders.* in version 3, from 1 (total in units) through 2 (cents) to 3 (currency, note). */
const V3_SCHEMAS: SchemaVersions = {
  'orders.*': {
    version: 3,
    upcast: {
      1: (p) => ({ cents: (p as V1).total * 100 }),
      2: (p) => ({ amount: { cents: (p as { cents: number }).cents, currency: 'EUR' }, note: '' }),
    },
  },
};

async function setup(schemas: SchemaVersions, sendAs: SchemaVersions) {
  const bus = createMemoryBus();
  const got = new Collected<unknown>();
  const errors: unknown[] = [];
  bus.subscribe('orders.>', versioned(schemas)(got.push), { onError: (e) => void errors.push(e) });
  return { bus, got, errors, publisher: versionedPublisher(bus, sendAs) };
}

describe('schema versions', () => {
  it('stamps the subject version; other subjects go untouched', async () => {
    const bus = createMemoryBus();
    const got = new Collected<unknown>();
    bus.subscribe('>', got.push);
    const publisher = versionedPublisher(bus, { 'orders.*': { version: 4 } });
    await publisher.publish('orders.created', { a: 1 }, { headers: { trace: 't' } });
    await publisher.publish('audit.x', 1);
    const [a, b] = await got.waitFor(2);
    expect(a!.headers).toEqual({ trace: 't', [SCHEMA_VERSION_HEADER]: '4' });
    expect(b!.headers[SCHEMA_VERSION_HEADER]).toBeUndefined();
  });

  it('upcasts version 1 and 2 to 3 through the chain; 3 passes as sent; no header counts as 1', async () => {
    const { bus, got, errors } = await setup(V3_SCHEMAS, {});
    await versionedPublisher(bus, { 'orders.*': { version: 1 } }).publish('orders.created', { total: 2 });
    await versionedPublisher(bus, { 'orders.*': { version: 2 } }).publish('orders.created', { cents: 250 });
    await versionedPublisher(bus, V3_SCHEMAS).publish('orders.created', { amount: { cents: 9, currency: 'USD' }, note: 'n' });
    await bus.publish('orders.created', { total: 7 });
    const messages = (await got.waitFor(4)) as Array<Message<V3>>;
    expect(messages.map((m) => m.payload)).toEqual([
      { amount: { cents: 200, currency: 'EUR' }, note: '' },
      { amount: { cents: 250, currency: 'EUR' }, note: '' },
      { amount: { cents: 9, currency: 'USD' }, note: 'n' },
      { amount: { cents: 700, currency: 'EUR' }, note: '' },
    ]);
    expect(messages.map((m) => m.headers[SCHEMA_VERSION_HEADER])).toEqual(['3', '3', '3', '3']);
    expect(errors).toEqual([]);
  });

  it('a newer version, a gap in the chain, a throwing upcaster, a malformed header: version_mismatch, handler not called', async () => {
    const schemas: SchemaVersions = {
      'orders.*': { version: 3, upcast: { 2: () => ({ ok: true }) } },
      'pay.*': {
        version: 2,
        upcast: {
          1: () => {
            throw new Error('bad v1');
          },
        },
      },
    };
    const bus = createMemoryBus();
    const got = new Collected<unknown>();
    const errors: VersionMismatchError[] = [];
    const handler = versioned(schemas)(got.push);
    bus.subscribe('>', handler, { onError: (e) => void errors.push(e as VersionMismatchError) });
    await bus.publish('orders.a', { v: 4 }, { headers: { [SCHEMA_VERSION_HEADER]: '4' } });
    await bus.publish('orders.a', { v: 1 }, { headers: { [SCHEMA_VERSION_HEADER]: '1' } });
    await bus.publish('pay.a', { v: 1 }, { headers: { [SCHEMA_VERSION_HEADER]: '1' } });
    await bus.publish('orders.a', { v: '?' }, { headers: { [SCHEMA_VERSION_HEADER]: 'two' } });
    await bus.publish('orders.a', { v: 2 }, { headers: { [SCHEMA_VERSION_HEADER]: '2' } });
    await got.waitFor(1);
    expect(got.payloads).toEqual([{ ok: true }]);
    expect(errors.map((e) => [e.code, e.subject, e.received, e.supported, e.reason])).toEqual([
      ['version_mismatch', 'orders.a', 4, 3, 'newer'],
      ['version_mismatch', 'orders.a', 1, 3, 'no_upcaster'],
      ['version_mismatch', 'pay.a', 1, 2, 'upcast_failed'],
      ['version_mismatch', 'orders.a', undefined, 3, 'invalid'],
    ]);
    expect(errors.every((e) => e instanceof VersionMismatchError)).toBe(true);
    expect((errors[2]!.cause as Error).message).toBe('bad v1');
  });

  it('onMismatch takes the mismatch instead of a throw; unversioned sets what no header means', async () => {
    const bus = createMemoryBus();
    const got = new Collected<unknown>();
    const mismatched: Array<[string, unknown]> = [];
    const onMismatch = (e: VersionMismatchError, m: Message<unknown>) => void mismatched.push([e.reason, m.payload]);
    bus.subscribe('orders.*', versioned({ 'orders.*': { version: 2 } }, { unversioned: 2, onMismatch })(got.push));
    await bus.publish('orders.a', 'no header: taken as 2');
    await bus.publish('orders.a', 'v3', { headers: { [SCHEMA_VERSION_HEADER]: '3' } });
    await got.waitFor(1);
    expect(got.payloads).toEqual(['no header: taken as 2']);
    expect(mismatched).toEqual([['newer', 'v3']]);
  });

  it('refuses a version that is not a positive integer and a bad pattern', () => {
    expect(() => versioned({ 'a.*': { version: 0 } })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => versionedPublisher(createMemoryBus(), { 'a..b': { version: 1 } })).toThrow(expect.objectContaining({ code: 'invalid_subject' }));
  });
});
