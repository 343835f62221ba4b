/**
 * The fake JetStream of isoflux/testing: acks, nak → redelivery with attempt + 1, term → never again,
 * maxAttempts / isRetryable → dead letter (the real subscriber's reasons and headers), de-duplication by id, queue groups and durables; all seen through the wiretap.
 * Ack-wait expiry under fake timers is in test/node/testing/fake-timers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/index.js';
import { DEAD_LETTER_HEADERS } from '../../../src/jetstream/index.js';
import { createFakeJetStream, record, type FakeJetStream } from '../../../src/testing/index.js';

describe('fake JetStream', () => {
  it('publish stores once per id within the window and answers duplicate for a resend', async () => {
    await using js = createFakeJetStream({ name: 'ORDERS', subjects: ['orders.>'] });
    expect(await js.publishWithAck('orders.created', { id: 'o-1' }, { id: 'o-1' })).toEqual({ stream: 'ORDERS', seq: 1, duplicate: false, id: 'o-1' });
    expect(await js.publishWithAck('orders.created', { id: 'o-1' }, { id: 'o-1' })).toEqual({ stream: 'ORDERS', seq: 1, duplicate: true, id: 'o-1' });
    expect(js.messages).toHaveLength(1);
    await expect(js.publish('users.created', {})).rejects.toMatchObject({ code: 'no_responders' });
    await expect(js.publish('orders.*', {})).rejects.toMatchObject({ code: 'invalid_subject' });
  });

  it('auto ack: a handler that returns acks; one that throws naks and sees the message again with attempt + 1', async () => {
    await using js = createFakeJetStream({ subjects: ['jobs.>'] });
    const recording = record(js);
    const attempts = attemptsSeen(js, 'jobs.*', (message) => {
      if (message.delivery.attempt < 3) throw new Error('not yet');
    });
    await js.publish('jobs.1', { n: 1 });
    await recording.waitFor('jobs.1', undefined, { kinds: ['acked'] });
    expect(attempts).toEqual([1, 2, 3]);
    expect(recording.events.map((e) => e.kind)).toEqual(['published', 'delivered', 'naked', 'delivered', 'naked', 'delivered', 'acked']);
    expect(recording.select(['naked'])[0]?.reason).toContain('not yet');
  });

  it('manual ack: nak redelivers, term never again, and the sequence is kept', async () => {
    await using js = createFakeJetStream();
    const recording = record(js);
    const seen: Array<[unknown, number, number | undefined]> = [];
    js.subscribe(
      'tasks.>',
      (raw) => {
        const message = raw as Message<{ kind: string }>;
        seen.push([message.payload.kind, message.delivery.attempt, message.delivery.sequence]);
        if (message.payload.kind === 'poison') return message.term('bad input');
        return message.delivery.attempt === 1 ? message.nak() : message.ack();
      },
      { ack: 'manual' },
    );
    await js.publish('tasks.a', { kind: 'retry' });
    await js.publish('tasks.b', { kind: 'poison' });
    await recording.waitFor('tasks.a', undefined, { kinds: ['acked'] });
    await recording.waitFor('tasks.b', undefined, { kinds: ['terminated'] });
    await js.publish('tasks.c', { kind: 'retry' });
    await recording.waitFor('tasks.c', undefined, { kinds: ['acked'] });
    // the poison message was delivered once and never again, while later messages flowed
    expect(seen.filter(([kind]) => kind === 'poison')).toEqual([['poison', 1, 2]]);
    expect(seen).toContainEqual(['retry', 2, 1]);
    expect(recording.select(['terminated'])).toEqual([expect.objectContaining({ subject: 'tasks.b', reason: 'bad input' })]);
  });

  it('after maxAttempts failed deliveries the message goes to the dead letters (a hook, a subject) and stops', async () => {
    const letters: unknown[] = [];
    await using js = createFakeJetStream({ name: 'ORDERS', subjects: ['orders.>', 'dead.>'], maxAttempts: 3 });
    const recording = record(js);
    let calls = 0;
    js.subscribe(
      'orders.*',
      () => {
        calls++;
        throw new Error('boom');
      },
      { deadLetter: (letter) => void letters.push(letter), onError: () => undefined },
    );
    await js.publish('orders.created', { id: 'o-1' }, { id: 'o-1' });
    await recording.waitFor('orders.created', undefined, { kinds: ['dead-lettered'] });
    expect(calls).toBe(3);
    expect(letters).toEqual([
      expect.objectContaining({
        subject: 'orders.created',
        stream: 'ORDERS',
        sequence: 1,
        attempts: 3,
        id: 'o-1',
        payload: { id: 'o-1' },
        reason: 'failed on delivery 3 of 3: Error: boom',
        error: expect.objectContaining({ message: 'boom' }),
      }),
    ]);
    expect(js.deadLetters).toHaveLength(1);

    // a subject target: the letter is stored in the stream with the real subscriber's headers and id
    js.subscribe('orders.shipped', (message) => message.nak(), { ack: 'manual', maxAttempts: 1, deadLetter: 'dead.orders' });
    await js.publish('orders.shipped', { id: 'o-2' }, { id: 'o-2', headers: { tenant: 't1' } });
    await recording.waitFor('orders.shipped', undefined, { kinds: ['dead-lettered'] });
    expect(js.messages.at(-1)).toEqual(
      expect.objectContaining({
        subject: 'dead.orders',
        payload: { id: 'o-2' },
        seq: 3,
        id: 'dead-letter.ORDERS.2',
        headers: {
          tenant: 't1',
          [DEAD_LETTER_HEADERS.reason]: 'failed on delivery 1 of 1: nak',
          [DEAD_LETTER_HEADERS.subject]: 'orders.shipped',
          [DEAD_LETTER_HEADERS.stream]: 'ORDERS',
          [DEAD_LETTER_HEADERS.sequence]: '2',
          [DEAD_LETTER_HEADERS.attempts]: '1',
          [DEAD_LETTER_HEADERS.id]: 'o-2',
        },
      }),
    );
  });

  it('the deprecated maxDeliver still limits deliveries; bad or clashing retry options are invalid_argument', async () => {
    await using js = createFakeJetStream({ maxDeliver: 2 });
    const recording = record(js);
    js.subscribe('tasks.*', (message) => message.nak(), { ack: 'manual' });
    await js.publish('tasks.1', 1);
    await recording.waitFor('tasks.1', undefined, { kinds: ['dead-lettered'] });
    expect(recording.select(['delivered'])).toHaveLength(2);
    expect(js.deadLetters[0]?.reason).toBe('failed on delivery 2 of 2: nak');
    // per subscription, the old name overrides the stream's default like the new one
    js.subscribe('late.*', (message) => message.nak(), { ack: 'manual', maxDeliver: 1 });
    await js.publish('late.1', 1);
    await recording.waitFor('late.1', undefined, { kinds: ['dead-lettered'] });
    expect(js.deadLetters[1]?.attempts).toBe(1);
    expect(() => createFakeJetStream({ maxDeliver: 2, maxAttempts: 3 })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'maxDeliver' }));
    expect(() => js.subscribe('x', () => undefined, { retryDelayMs: 5, backoff: () => 5 })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'retryDelayMs' }));
    // the same checks as the real subscriber's, naming the option
    expect(() => createFakeJetStream({ maxAttempts: 0 })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'maxAttempts' }));
    expect(() => js.subscribe('x', () => undefined, { backoff: 100 as never })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'backoff' }));
    expect(() => js.subscribe('x', () => undefined, { isRetryable: true as never })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'isRetryable' }));
    expect(() => js.subscribe('x', () => undefined, { ackWaitMs: -1 })).toThrow(expect.objectContaining({ code: 'invalid_argument', option: 'ackWaitMs' }));
  });

  it('an error isRetryable refuses is dead-lettered at once, with the real subscriber\'s reason', async () => {
    class Fatal extends Error {
      override name = 'Fatal';
    }
    await using js = createFakeJetStream({ maxAttempts: 5, isRetryable: (error) => !(error instanceof Fatal) });
    const recording = record(js);
    const attempts = attemptsSeen(js, 'jobs.*', (message) => {
      throw message.payload === 'fatal' ? new Fatal('bad input') : new Error('flaky');
    });
    await js.publish('jobs.1', 'fatal');
    await recording.waitFor('jobs.1', undefined, { kinds: ['dead-lettered'] });
    expect(attempts).toEqual([1]);
    expect(js.deadLetters[0]?.reason).toBe('not retryable (delivery 1): Fatal: bad input');
    await js.publish('jobs.2', 'transient');
    await recording.waitFor('jobs.2', undefined, { kinds: ['dead-lettered'] });
    expect(attempts).toEqual([1, 1, 2, 3, 4, 5]);
    expect(js.deadLetters[1]?.reason).toBe('failed on delivery 5 of 5: Error: flaky');
  });

  it('a queue group shares one consumer: each message goes to one member; the others take over when one leaves', async () => {
    await using js = createFakeJetStream();
    const byMember: Record<string, number[]> = { a: [], b: [] };
    const recording = record(js);
    const a = js.subscribe('work.*', (m) => void byMember['a']?.push(m.payload as number), { queue: 'workers' });
    js.subscribe('work.*', (m) => void byMember['b']?.push(m.payload as number), { queue: 'workers' });
    for (let i = 1; i <= 4; i++) await js.publish(`work.${i}`, i);
    await recording.waitFor('work.4', undefined, { kinds: ['acked'] });
    expect([...(byMember['a'] ?? []), ...(byMember['b'] ?? [])].sort()).toEqual([1, 2, 3, 4]);
    expect(byMember['a']?.length).toBe(2);
    await a.unsubscribe();
    await js.publish('work.5', 5);
    await recording.waitFor('work.5', undefined, { kinds: ['acked'] });
    expect(byMember['b']).toContain(5);
    expect(js.pending('workers')).toBe(0);
  });

  it('a durable consumer resumes where it stopped; deliver new skips what was stored before', async () => {
    await using js = createFakeJetStream();
    const recording = record(js);
    await js.publish('log.1', 1);
    const first: unknown[] = [];
    const sub = js.subscribe('log.*', (m) => void first.push(m.payload), { durable: 'reader' });
    await recording.waitFor('log.1', undefined, { kinds: ['acked'] });
    await sub.unsubscribe();
    await js.publish('log.2', 2);
    const second: unknown[] = [];
    js.subscribe('log.*', (m) => void second.push(m.payload), { durable: 'reader' });
    const fresh: unknown[] = [];
    js.subscribe('log.*', (m) => void fresh.push(m.payload), { deliver: 'new' });
    await js.publish('log.3', 3);
    await recording.waitFor('log.3', undefined, { kinds: ['acked'] });
    await until(() => second.length === 2 && fresh.length === 1);
    expect(first).toEqual([1]);
    expect(second).toEqual([2, 3]);
    expect(fresh).toEqual([3]);
  });

  it('a subscription without a handler pulls with fetch and acks by hand', async () => {
    await using js = createFakeJetStream();
    const recording = record(js);
    const consumer = js.subscribe('pull.*', { ack: 'manual' });
    await js.publish('pull.1', 'x');
    const [message] = await consumer.fetch(1);
    expect(message?.payload).toBe('x');
    expect(message?.hasAcker).toBe(true);
    await message?.ack();
    expect(recording.select(['acked'])).toHaveLength(1);
  });
});

/** Subscribes `handle` to `pattern` (automatic ack, errors not logged); returns the delivery attempts it saw, in order. */
function attemptsSeen(js: FakeJetStream, pattern: string, handle: (message: Message<unknown>) => void): number[] {
  const attempts: number[] = [];
  js.subscribe(
    pattern,
    (message) => {
      attempts.push(message.delivery.attempt);
      handle(message);
    },
    { onError: () => undefined },
  );
  return attempts;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await Promise.resolve();
  expect(check()).toBe(true);
}
