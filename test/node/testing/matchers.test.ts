/**
 * isoflux/testing's matchers installed with `expect.extend`, typed through the documented augmentation of
 * Vitest's `Matchers` (this file type-checks only because of it). Node only: the Deno/workerd shim's
 * `expect.extend` does not take custom matchers.
 */
import { describe, expect, it } from 'vitest';
import { createFakeJetStream, isofluxMatchers, record, type IsofluxMatchers } from '../../../src/testing/index.js';

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends IsofluxMatchers<T> {}
}
expect.extend(isofluxMatchers);

describe('expect.extend(isofluxMatchers)', () => {
  it('toHavePublished / not.toHavePublished / toHaveDelivered / toHavePublishedTimes', async () => {
    await using js = createFakeJetStream({ subjects: ['orders.>'] });
    const recording = record(js);
    js.subscribe('orders.*', () => undefined);
    await js.publish('orders.created', { id: 'o-1', total: 3 }, { id: 'o-1' });
    await recording.waitFor('orders.created', undefined, { kinds: ['acked'] });
    expect(recording).toHavePublished('orders.created', { id: 'o-1' });
    expect(recording).not.toHavePublished('orders.created', { id: 'o-2' });
    expect(recording).toHaveDelivered('orders.>', (payload: { total: number }) => payload.total > 2);
    expect(recording).toHavePublishedTimes('orders.>', 1);
    expect(() => expect(recording).toHavePublished('orders.shipped')).toThrow(
      /expected a message published on "orders.shipped"; saw:\n {2}nothing on that subject \(1 published in all\)/,
    );
    expect(() => expect(recording).not.toHavePublished('orders.created')).toThrow('expected no message published on "orders.created", but one was');
  });
});
