/**
 * isoflux/testing's recorder and matchers on a fake bus: messages in order, waitFor on past and future
 * events with partial payloads, timeouts, expectNoDrops, and toHavePublished through expect.extend.
 */
import { describe, expect, it } from 'vitest';
import { isIsofluxError } from '../../../src/index.js';
import { createFakeNatsServer, isofluxMatchers, matchesPartial, record } from '../../../src/testing/index.js';

describe('matchesPartial', () => {
  it('matches objects by their given keys, arrays element by element, the rest by Object.is', () => {
    expect(matchesPartial({ id: 'o-1', total: 3, lines: [{ sku: 'a', n: 1 }] }, { id: 'o-1', lines: [{ sku: 'a' }] })).toBe(true);
    expect(matchesPartial({ id: 'o-1' }, { id: 'o-2' })).toBe(false);
    expect(matchesPartial({ id: 'o-1' }, { id: 'o-1', total: undefined })).toBe(false);
    expect(matchesPartial([1, 2], [1])).toBe(false);
    expect(matchesPartial(Number.NaN, Number.NaN)).toBe(true);
    expect(matchesPartial('o-1', { id: 'o-1' })).toBe(false);
  });
});

describe('record', () => {
  it('keeps what a bus published and delivered, in order, and selects by subject pattern', async () => {
    await using server = createFakeNatsServer();
    const bus = server.connect();
    using recording = record(bus);
    bus.subscribe('orders.*', () => undefined);
    await bus.publish('orders.created', { id: 'o-1' });
    await bus.publish('users.created', { id: 'u-1' });
    expect(recording.published().map((m) => m.subject)).toEqual(['orders.created', 'users.created']);
    expect(recording.published('orders.>')).toHaveLength(1);
    expect(recording.delivered()).toEqual([expect.objectContaining({ subject: 'orders.created', payload: { id: 'o-1' }, system: 'nats' })]);
    // the fake delivers in-process, before the publish settles: as on every kit bus, `published` (publish
    // until settled, with its duration) comes after the deliveries it made at once
    expect(recording.events.map((e) => e.kind)).toEqual(['delivered', 'published', 'published']);
  });

  it('waitFor resolves with an event already seen, or the next one to come, matched by partial payload', async () => {
    await using server = createFakeNatsServer();
    const bus = server.connect();
    const recording = record(bus);
    await bus.publish('orders.created', { id: 'o-1', total: 5 });
    const past = await recording.waitFor('orders.*', { id: 'o-1' });
    expect(past.payload).toEqual({ id: 'o-1', total: 5 });

    const future = recording.waitFor<{ id: string }>('orders.created', (payload) => payload.id === 'o-3');
    await bus.publish('orders.created', { id: 'o-2' });
    await bus.publish('orders.created', { id: 'o-3' });
    expect((await future).payload).toEqual({ id: 'o-3' });
    recording.stop();
  });

  it('waitFor rejects with timeout, naming what it saw', async () => {
    await using server = createFakeNatsServer();
    const bus = server.connect();
    const recording = record(bus);
    await bus.publish('orders.created', { id: 'o-1' });
    const error: unknown = await recording.waitFor('orders.created', { id: 'nope' }, { timeoutMs: 1 }).catch((e: unknown) => e);
    expect(isIsofluxError(error) && error.code).toBe('timeout');
    expect((error as Error).message).toContain('published orders.created');
  });

  it('waitFor rejects with aborted when its signal aborts', async () => {
    await using server = createFakeNatsServer();
    const recording = record(server.connect());
    const controller = new AbortController();
    const waiting = recording.waitFor('x', undefined, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'aborted' });
  });

  it('expectNoDrops passes without drops and throws dropped with the reason after one', async () => {
    await using server = createFakeNatsServer();
    const bus = server.connect();
    const recording = record(bus);
    bus.subscribe('jobs.*', () => new Promise(() => undefined), { bufferSize: 1, overflow: 'drop-newest' });
    await bus.publish('jobs.1', 1);
    recording.expectNoDrops();
    await bus.publish('jobs.2', 2); // buffered (the handler is busy with jobs.1)
    await bus.publish('jobs.3', 3); // the buffer is full: dropped
    expect(recording.drops).toEqual([expect.objectContaining({ subject: 'jobs.3', reason: 'overflow', pattern: 'jobs.*' })]);
    expect(() => recording.expectNoDrops()).toThrow(expect.objectContaining({ code: 'dropped', message: expect.stringContaining('overflow') }));
  });

  it('stops recording on stop(); clear() forgets', async () => {
    await using server = createFakeNatsServer();
    const bus = server.connect();
    const recording = record(bus);
    await bus.publish('a', 1);
    recording.clear();
    expect(recording.events).toEqual([]);
    recording.stop();
    await bus.publish('b', 2);
    expect(recording.events).toEqual([]);
  });
});

describe('matchers (called directly: expect.extend and the type augmentation are in test/node/testing)', () => {
  it('toHavePublished, toHaveDelivered and toHavePublishedTimes pass and fail with a list of what was seen', async () => {
    await using server = createFakeNatsServer();
    const bus = server.connect();
    const recording = record(bus);
    bus.subscribe('orders.>', () => undefined);
    await bus.publish('orders.created', { id: 'o-1', total: 2 });
    const asIs = { isNot: false };
    expect(isofluxMatchers.toHavePublished.call(asIs, recording, 'orders.created', { id: 'o-1' }).pass).toBe(true);
    expect(isofluxMatchers.toHavePublished.call(asIs, recording, 'orders.*').pass).toBe(true);
    expect(isofluxMatchers.toHaveDelivered.call(asIs, recording, 'orders.created', (p: unknown) => (p as { total: number }).total === 2).pass).toBe(true);
    const miss = isofluxMatchers.toHavePublished.call(asIs, recording, 'orders.created', { id: 'o-2' });
    expect(miss.pass).toBe(false);
    expect(miss.message()).toContain('orders.created {"id":"o-1","total":2}');
    expect(isofluxMatchers.toHavePublishedTimes.call(asIs, recording, 'orders.>', 1).pass).toBe(true);
    expect(isofluxMatchers.toHavePublishedTimes.call(asIs, recording, 'orders.>', 2).message()).toBe('expected 2 publishes on "orders.>", saw 1');
    expect(() => isofluxMatchers.toHavePublished.call(asIs, {}, 'x')).toThrow(/expects a Recording/);
  });
});
