/**
 * The JetStream entry points speak the shared option vocabulary: `signal` closes each one (and its listener is
 * removed on close), settles and dead letters are wiretap events, the retry triple (`maxAttempts`,
 * `backoff`, `isRetryable`) decides redelivery, and the publisher takes `schema`. Real server, every runtime.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from '../../src/nats/index.js';
import { createJetStreamConsumer, createJetStreamPublisher, createJetStreamSubscriber, ensureStream, type DeadLetter } from '../../src/jetstream/index.js';
import { tap, type Message, type TapEvent } from '../../src/index.js';

/** An AbortSignal that counts its `abort` listeners. */
function countingSignal(): { controller: AbortController; signal: AbortSignal; listeners: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let count = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, listener: EventListener, options?: AddEventListenerOptions) => {
    if (type === 'abort') count++;
    add(type, listener, options);
  }) as AbortSignal['addEventListener'];
  signal.removeEventListener = ((type: string, listener: EventListener, options?: EventListenerOptions) => {
    if (type === 'abort') count--;
    remove(type, listener, options);
  }) as AbortSignal['removeEventListener'];
  return { controller, signal, listeners: () => count };
}

/** Resolves once `events` holds an event for which `match` is true. */
function waitForEvent(events: TapEvent[], match: (e: TapEvent) => boolean, listen: (notify: () => void) => void): Promise<TapEvent> {
  return new Promise((resolve) => {
    const check = (): void => {
      const found = events.find(match);
      if (found !== undefined) resolve(found);
    };
    listen(check);
    check();
  });
}

describe('jetstream option vocabulary', () => {
  let nc: NatsConnection;
  let root: string;
  let stream: string;
  let n = 0;

  beforeEach(async () => {
    nc = await connectNats(inject('natsWsUrl'));
    root = `jso${Date.now().toString(36)}${(n++).toString(36)}`;
    stream = root.toUpperCase();
    await ensureStream(nc, { name: stream, subjects: [`${root}.>`] });
  });
  afterEach(async () => {
    const publisher = createJetStreamPublisher(nc);
    await (await publisher.jetstream.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  it('signal closes the subscriber and its subscriptions; close() removes the listener', async () => {
    const aborted = countingSignal();
    const subscriber = createJetStreamSubscriber(nc, { stream, signal: aborted.signal });
    const sub = subscriber.subscribe(`${root}.a`, () => undefined);
    await sub.ready;
    expect(aborted.listeners()).toBe(1);
    aborted.controller.abort();
    await sub.closed;
    expect(subscriber.isClosed).toBe(true);
    expect(() => subscriber.subscribe(`${root}.a`, () => undefined)).toThrow(expect.objectContaining({ code: 'closed' }));

    const kept = countingSignal();
    const other = createJetStreamSubscriber(nc, { stream, signal: kept.signal });
    expect(kept.listeners()).toBe(1);
    await other.close();
    expect(kept.listeners()).toBe(0);
  });

  it('signal closes the publisher (later publishes reject with closed); close() removes the listener', async () => {
    const aborted = countingSignal();
    const publisher = createJetStreamPublisher(nc, { signal: aborted.signal });
    await publisher.publish(`${root}.a`, 1);
    aborted.controller.abort();
    expect(publisher.isClosed).toBe(true);
    await expect(publisher.publish(`${root}.a`, 2)).rejects.toMatchObject({ code: 'closed' });
    expect(aborted.listeners()).toBe(0);

    const kept = countingSignal();
    const other = createJetStreamPublisher(nc, { signal: kept.signal });
    expect(kept.listeners()).toBe(1);
    await other.close();
    expect(kept.listeners()).toBe(0);
  });

  it('signal closes the pull consumer (a waiting fetch resolves with nothing); close() removes the listener', async () => {
    const aborted = countingSignal();
    const consumer = await createJetStreamConsumer(nc, { stream, signal: aborted.signal });
    const waiting = consumer.fetch(1, { timeoutMs: 20_000 });
    aborted.controller.abort();
    expect(await waiting).toEqual([]);
    expect(consumer.isClosed).toBe(true);
    await expect(consumer.fetch(1)).rejects.toMatchObject({ code: 'closed' });
    expect(aborted.listeners()).toBe(0);

    const kept = countingSignal();
    const other = await createJetStreamConsumer(nc, { stream, signal: kept.signal });
    expect(kept.listeners()).toBe(1);
    await other.close();
    expect(kept.listeners()).toBe(0);
  });

  it('a tapped subscription sees acked, naked, terminated and dead-lettered, with the reason', async () => {
    const letters: DeadLetter[] = [];
    const subscriber = createJetStreamSubscriber(nc, { stream, maxAttempts: 2, deadLetter: (letter) => void letters.push(letter) });
    const events: TapEvent[] = [];
    let notify = (): void => undefined;
    const stop = tap(subscriber, (event) => {
      events.push(event);
      notify();
    });
    const sub = subscriber.subscribe(`${root}.>`, (message: Message<unknown>) => {
      if (message.payload === 'term') return void message.term('not for us');
      if (message.payload === 'fail') throw new Error('boom');
    }, { onError: () => undefined });
    await sub.ready;
    const publisher = createJetStreamPublisher(nc);
    await publisher.publish(`${root}.ok`, 'ok', { id: 'ok-1' });
    await publisher.publish(`${root}.term`, 'term', { id: 'term-1' });
    await publisher.publish(`${root}.fail`, 'fail', { id: 'fail-1' });
    const listen = (f: () => void): void => void (notify = f);
    const dead = await waitForEvent(events, (e) => e.kind === 'dead-lettered', listen);
    await waitForEvent(events, (e) => e.kind === 'acked' && e.id === 'ok-1', listen);
    await waitForEvent(events, (e) => e.kind === 'terminated' && e.id === 'term-1', listen);
    stop();
    await subscriber.close();

    expect(events.find((e) => e.kind === 'acked')).toMatchObject({ system: 'jetstream', subject: `${root}.ok`, id: 'ok-1', pattern: `${root}.>` });
    expect(events.find((e) => e.kind === 'terminated' && e.id === 'term-1')).toMatchObject({ reason: 'not for us' });
    expect(events.filter((e) => e.kind === 'naked' && e.id === 'fail-1')).toHaveLength(1);
    expect(dead).toMatchObject({ subject: `${root}.fail`, id: 'fail-1', reason: expect.stringMatching(/failed on delivery 2 of 2: Error: boom/) });
    expect(letters).toHaveLength(1);
    expect(events.map((e) => e.kind)).toContain('delivered');
  });

  it('isRetryable false dead-letters at once; backoff and maxAttempts stay per subscription', async () => {
    const letters: DeadLetter[] = [];
    const subscriber = createJetStreamSubscriber(nc, { stream, maxAttempts: 5 });
    let attempts = 0;
    let settled!: () => void;
    const done = new Promise<void>((resolve) => (settled = resolve));
    const sub = subscriber.subscribe(
      `${root}.x`,
      () => {
        attempts++;
        throw Object.assign(new Error('bad input'), { code: 'invalid_payload' });
      },
      {
        onError: () => undefined,
        backoff: () => 60_000,
        isRetryable: (error) => (error as { code?: string }).code !== 'invalid_payload',
        deadLetter: (letter) => {
          letters.push(letter);
          settled();
        },
      },
    );
    await sub.ready;
    await createJetStreamPublisher(nc).publish(`${root}.x`, 1);
    await done;
    await subscriber.close();
    expect(attempts).toBe(1);
    expect(letters[0]).toMatchObject({ attempts: 1, reason: expect.stringMatching(/^not retryable \(delivery 1\): Error: bad input/) });
  });

  it('a pull consumer is tappable: its settles are events', async () => {
    const publisher = createJetStreamPublisher(nc);
    await publisher.publish(`${root}.p`, 1, { id: 'p-1' });
    const consumer = await createJetStreamConsumer<number>(nc, { stream });
    const events: TapEvent[] = [];
    const stop = tap(consumer, (event) => void events.push(event));
    const [message] = await consumer.fetch(1, { timeoutMs: 5000 });
    await message?.ack();
    stop();
    await consumer.close();
    expect(events).toEqual([expect.objectContaining({ kind: 'acked', system: 'jetstream', subject: `${root}.p`, id: 'p-1' })]);
  });

  it('the publisher validates with schema before sending: an invalid payload is never stored', async () => {
    const positive = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: (value: unknown) => (typeof value === 'number' && value > 0 ? { value } : { issues: [{ message: 'must be a positive number' }] }),
      },
    };
    const publisher = createJetStreamPublisher(nc, { schema: positive });
    await expect(publisher.publish(`${root}.s`, -1)).rejects.toMatchObject({ code: 'invalid_payload' });
    expect(await publisher.publishWithAck(`${root}.s`, 2)).toMatchObject({ seq: 1 });
  });

  it('a pull fetch waits timeoutMs, or the deprecated expiresMs; giving both that differ is invalid_argument', async () => {
    const publisher = createJetStreamPublisher(nc);
    await publisher.publish(`${root}.f`, 1);
    await publisher.publish(`${root}.f`, 2);
    const consumer = await createJetStreamConsumer<number>(nc, { stream });
    await expect(consumer.fetch(1, { timeoutMs: 5000, expiresMs: 4000 })).rejects.toMatchObject({ code: 'invalid_argument', option: 'expiresMs' });
    await expect(consumer.fetch(1, { timeoutMs: 0 })).rejects.toMatchObject({ code: 'invalid_argument', option: 'timeoutMs' });
    await expect(consumer.fetch(1, { expiresMs: -1 })).rejects.toMatchObject({ code: 'invalid_argument', option: 'expiresMs' });
    const [first] = await consumer.fetch(1, { timeoutMs: 5000 });
    await first?.ack();
    const [second] = await consumer.fetch(1, { expiresMs: 5000 });
    await second?.ack();
    await consumer.close();
    expect([first?.payload, second?.payload]).toEqual([1, 2]);
  });

  it('the deprecated names still work: maxDeliver, retryDelayMs, the publisher timeoutMs', async () => {
    const letters: DeadLetter[] = [];
    let settled!: () => void;
    const done = new Promise<void>((resolve) => (settled = resolve));
    const subscriber = createJetStreamSubscriber(nc, { stream, maxDeliver: 1, retryDelayMs: 0, deadLetter: (l) => void (letters.push(l), settled()) });
    await subscriber.subscribe(`${root}.d`, () => {
      throw new Error('once');
    }, { onError: () => undefined }).ready;
    await createJetStreamPublisher(nc, { timeoutMs: 3000 }).publish(`${root}.d`, 1);
    await done;
    await subscriber.close();
    expect(letters[0]?.reason).toMatch(/failed on delivery 1 of 1/);
  });
});
