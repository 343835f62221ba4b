/**
 * Telemetry through a worker-hosted bus with the real OpenTelemetry SDK, in Chromium: tab → worker's
 * memory bus → tab. Two `connectWorkerBus` sessions play two tabs; the consumer span in the second links
 * to the producer span of the first through the `traceparent` header that crossed the worker.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import type { Headers } from '../../src/index.js';
import { connectWorkerBus } from '../../src/worker/index.js';
import { OtelSdk, expectLinked } from '../portable/otel-fixtures.js';

const workerUrl = new URL('./fixtures/bus-worker.ts', import.meta.url);

describe('worker telemetry (tab → worker-hosted bus → tab)', () => {
  const sdk = new OtelSdk();
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  afterAll(() => sdk.shutdown());

  const twoTabs = async () => {
    const worker = new Worker(workerUrl, { type: 'module' });
    cleanup.push(() => worker.terminate());
    const [tabA, tabB] = await Promise.all([connectWorkerBus(worker, { telemetry: sdk.telemetry }), connectWorkerBus(worker, { telemetry: sdk.telemetry })]);
    cleanup.push(() => tabA.close(), () => tabB.close());
    return { tabA, tabB };
  };

  it('worker: the span in the other tab links to the publishing tab span', async () => {
    const { tabA, tabB } = await twoTabs();
    let resolve!: (h: Headers) => void;
    const arrived = new Promise<Headers>((r) => (resolve = r));
    await tabB.subscribe('cart.updated', (m) => resolve(m.headers)).ready;
    await tabA.publish('cart.updated', { items: 3 }, { id: 'w-1', headers: { tenant: 't1' } });
    const headers = await arrived;
    const [producer] = await sdk.waitFor(SpanKind.PRODUCER, 'cart.updated');
    const [consumer] = await sdk.waitFor(SpanKind.CONSUMER, 'cart.updated');
    expectLinked(producer!, consumer!, headers, 'worker');
    expect(headers.tenant).toBe('t1');
    expect(consumer!.attributes['messaging.message.id']).toBe('w-1');
  });

  it('worker request: the responder tab span links to the requesting tab span', async () => {
    const { tabA, tabB } = await twoTabs();
    let headers: Headers = {};
    await tabB.respond('price.get', (m) => ((headers = m.headers), 9)).ready;
    expect((await tabA.request('price.get', 'sku-1')).payload).toBe(9);
    const [producer] = await sdk.waitFor(SpanKind.PRODUCER, 'price.get');
    const [consumer] = await sdk.waitFor(SpanKind.CONSUMER, 'price.get');
    expectLinked(producer!, consumer!, headers, 'worker');
  });
});
