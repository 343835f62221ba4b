/**
 * isoflux/testing's outbox whose target fails on command: the real outbox relays to a FakeTarget that
 * accepts, refuses with a chosen error, or hangs; a permanent error dead-letters, a retryable one retries.
 */
import { describe, expect, it } from 'vitest';
import { IsofluxError } from '../../../src/index.js';
import { createFakeOutbox, record } from '../../../src/testing/index.js';

describe('fake outbox target', () => {
  it('delivers what the outbox stored, once accepted; every attempt carries the same id', async () => {
    const { outbox, target } = createFakeOutbox({ relay: { backoff: () => 1 } });
    const recording = record(target);
    target.fail(undefined, 2); // the next two publishes are refused (retryable connection_failed)
    await outbox.publish('orders.created', { id: 'o-1' }, { id: 'o-1' });
    await recording.waitFor('orders.created', { id: 'o-1' }, { kinds: ['published'] });
    await outbox.drained();
    expect(target.attempts).toBe(3);
    expect(target.received).toEqual([{ subject: 'orders.created', payload: { id: 'o-1' }, id: 'o-1', headers: {} }]);
    expect(recording.select(['failed']).map((e) => [e.id, (e.error as IsofluxError).code])).toEqual([
      ['o-1', 'connection_failed'],
      ['o-1', 'connection_failed'],
    ]);
    expect((await outbox.refreshStatus()).retried).toBe(2);
    await outbox.close();
  });

  it('a permanent refusal dead-letters at once; accept() lets the next ones through', async () => {
    const { outbox, target } = createFakeOutbox({ relay: { backoff: () => 1 } });
    const recording = record(target);
    target.fail(new IsofluxError('invalid_argument', 'the target refuses this payload'));
    await outbox.publish('orders.bad', { id: 'x' });
    await recording.waitFor('orders.bad', undefined, { kinds: ['failed'] });
    await outbox.drained();
    const [letter] = await outbox.deadLetters.list();
    expect(letter).toMatchObject({ reason: 'rejected', subject: 'orders.bad', errorCode: 'invalid_argument' });
    target.accept();
    await outbox.publish('orders.good', { id: 'y' });
    await recording.waitFor('orders.good', undefined, { kinds: ['published'] });
    expect(target.received.map((r) => r.subject)).toEqual(['orders.good']);
    await outbox.close();
  });

  it('hang() holds publishes until accept()', async () => {
    const { outbox, target } = createFakeOutbox();
    const recording = record(target);
    target.hang();
    await outbox.publish('a.b', 1);
    await until(() => target.attempts === 1);
    expect(target.received).toEqual([]);
    target.accept();
    await recording.waitFor('a.b', undefined, { kinds: ['published'] });
    await outbox.drained();
    await outbox.close();
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(check()).toBe(true);
}
