/**
 * Which failures the relay retries: permanent ones go to the dead letters at once with their reason,
 * retryable ones follow the backoff up to a finite default `maxAttempts`; `isRetryable` lets the user decide.
 * Also the duplicate-window count in status.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IsofluxError, NoRespondersError, RemoteError, TimeoutError } from '../../src/index.js';
import { createOutbox, isRetryableDeliveryError, memoryStore, type Outbox, type OutboxOptions } from '../../src/outbox/index.js';
import { ScriptedTarget, agedPast, outboxNow } from './outbox-fixtures.js';

/** A JetStream API refusal as the jetstream transport reports it: `remote_error`, err_code, the API status as cause. */
const jetStreamRefusal = (errCode: number, status: number, text: string): RemoteError =>
  Object.assign(new RemoteError('s', String(errCode), text), { cause: Object.assign(new Error(text), { status, code: errCode }) });

describe('isRetryableDeliveryError', () => {
  it('calls permanent what repeats on every attempt', () => {
    expect(isRetryableDeliveryError(jetStreamRefusal(10054, 400, 'message size exceeds maximum allowed'))).toBe(false);
    expect(isRetryableDeliveryError(jetStreamRefusal(10071, 400, 'wrong last sequence: 3'))).toBe(false);
    expect(isRetryableDeliveryError(new RemoteError('s', '10054', 'no cause kept'))).toBe(false);
    expect(isRetryableDeliveryError(new RemoteError('s', 'http_403', 'forbidden'))).toBe(false);
    expect(isRetryableDeliveryError(new NoRespondersError('s'))).toBe(false);
    expect(isRetryableDeliveryError(new IsofluxError('payload_too_large', 'big'))).toBe(false);
  });

  it('calls retryable what may pass later', () => {
    expect(isRetryableDeliveryError(jetStreamRefusal(10077, 503, 'maximum messages exceeded'))).toBe(true);
    expect(isRetryableDeliveryError(jetStreamRefusal(10008, 503, 'JetStream system temporarily unavailable'))).toBe(true);
    expect(isRetryableDeliveryError(new RemoteError('s', 'http_429', 'slow down'))).toBe(true);
    expect(isRetryableDeliveryError(new RemoteError('s', 'http_503', 'unavailable'))).toBe(true);
    expect(isRetryableDeliveryError(new RemoteError('s', 'handler_failed', 'unknown'))).toBe(true);
    expect(isRetryableDeliveryError(new TimeoutError('publish', 10))).toBe(true);
    expect(isRetryableDeliveryError(new IsofluxError('closed', 'connection closed'))).toBe(true);
    expect(isRetryableDeliveryError(new Error('socket hang up'))).toBe(true);
  });
});

describe('outbox: error classes', () => {
  const open: Outbox[] = [];
  const outbox = (target: ScriptedTarget, options: OutboxOptions = {}): Outbox => {
    const box = createOutbox({ store: memoryStore(), target, ...options, relay: { backoff: () => 1, pollIntervalMs: 50, ...options.relay } });
    open.push(box);
    return box;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });

  it('dead-letters a message over the stream’s max_msg_size (JetStream 10054) at once, with the reason; the subject flows on', async () => {
    const target = new ScriptedTarget((call) => {
      if ((call.payload as { big?: boolean }).big) throw jetStreamRefusal(10054, 400, 'message size exceeds maximum allowed');
    });
    const box = outbox(target);
    await Promise.all([box.publish('orders', { big: true }), box.publish('orders', { n: 1 }), box.publish('orders', { n: 2 })]);
    await box.drained();
    expect(target.calls).toHaveLength(3);
    expect(target.acked.map((c) => c.payload)).toEqual([{ n: 1 }, { n: 2 }]);
    const [letter] = await box.deadLetters.list();
    expect(letter).toMatchObject({ reason: 'rejected', attempts: 1, errorCode: 'remote_error' });
    expect(letter!.lastError).toMatch(/10054.*message size exceeds maximum allowed/);
  });

  it('dead-letters no_responders (no stream for the subject) after noRespondersGraceMs, at once with 0', async () => {
    const target = new ScriptedTarget((call) => {
      if (call.subject === 'nostream') throw new NoRespondersError(call.subject);
    });
    const atOnce = outbox(target, { relay: { noRespondersGraceMs: 0 } });
    await atOnce.publish('nostream', 1);
    await atOnce.drained();
    expect((await atOnce.deadLetters.list()).map((l) => [l.reason, l.attempts, l.errorCode])).toEqual([['rejected', 1, 'no_responders']]);

    const graced = new ScriptedTarget((call) => {
      if (call.subject === 'nostream') throw new NoRespondersError(call.subject);
    });
    const box = outbox(graced, { relay: { noRespondersGraceMs: 300, backoff: () => 50 } });
    const started = performance.now();
    await box.publish('nostream', 2);
    await box.drained();
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    expect(graced.calls.length).toBeGreaterThan(2);
    expect((await box.deadLetters.list()).map((l) => [l.reason, l.errorCode])).toEqual([['rejected', 'no_responders']]);
  });

  it('retries retryable failures with the backoff up to a finite default maxAttempts (50)', async () => {
    const target = new ScriptedTarget(() => {
      throw jetStreamRefusal(10077, 503, 'maximum messages exceeded');
    });
    const box = outbox(target);
    await box.publish('full', 1);
    await box.drained();
    expect(target.calls).toHaveLength(50);
    expect((await box.deadLetters.list()).map((l) => [l.reason, l.attempts])).toEqual([['max_attempts', 50]]);
    expect(await box.refreshStatus()).toMatchObject({ retried: 49, deadLettered: 1 });
  });

  it('lets isRetryable classify: false dead-letters at once, true retries what the default would not', async () => {
    let fail = true;
    const target = new ScriptedTarget(() => {
      if (fail) throw new NoRespondersError('x');
    });
    const box = outbox(target, { relay: { isRetryable: (e) => e instanceof NoRespondersError, noRespondersGraceMs: 0 } });
    await box.publish('x', 1);
    await target.until(() => target.calls.length >= 3);
    fail = false;
    await box.drained();
    expect(await box.deadLetters.list()).toEqual([]);

    const strict = new ScriptedTarget(() => {
      throw new TimeoutError('publish', 1);
    });
    const never = outbox(strict, { relay: { isRetryable: () => false } });
    await never.publish('y', 1);
    await never.drained();
    expect(strict.calls).toHaveLength(1);
    expect((await never.deadLetters.list()).map((l) => [l.reason, l.errorCode])).toEqual([['rejected', 'timeout']]);
  });

  it('counts waiting entries older than the duplicate window in status', async () => {
    const target = new ScriptedTarget(() => {
      throw new Error('broker away');
    });
    const box = outbox(target, { duplicateWindowMs: 150, relay: { backoff: () => 60_000 } });
    await Promise.all([box.publish('w', 1), box.publish('w', 2)]);
    const enqueued = outboxNow(); // both were enqueued before this
    expect((await box.refreshStatus()).olderThanDuplicateWindow).toBe(0);
    await agedPast(enqueued, 150);
    await box.publish('w', 3);
    expect(await box.refreshStatus()).toMatchObject({ depth: 3, olderThanDuplicateWindow: 2 });
  });
});
