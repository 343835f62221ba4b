/**
 * The composition examples of the README, run as tests: each `it` body is the snippet, plus the
 * `expect` lines that prove it does what the README says.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { IsofluxError, jsonCodec } from '../../src/index.js';
import { createMemoryBus } from '../../src/memory/index.js';
import { chain, decoratePublisher, dedup, injectHeaders, logging, recover, retryPolicy, retryPublish, signalOf, timeout, withSchema } from '../../src/middleware/index.js';
import { forward, map } from '../../src/pipe/index.js';
import { merge, toStream } from '../../src/stream/index.js';
import { bindTopic, eventSubjects, withCodec } from '../../src/topic/index.js';
import { turn, until } from './waits.js';

describe('README: composition', () => {
  it('middleware: one chain of behaviour around a handler, on any transport', async () => {
    const bus = createMemoryBus();
    const Order = z.object({ id: z.string(), total: z.number().positive() });
    const problems: string[] = [];
    const saved: string[] = [];

    const reliably = chain(
      recover({ onError: (error) => problems.push((error as Error).message) }), // never kills the subscription
      retryPolicy({ maxAttempts: 5 }), // ack / nak with backoff / term poison (where the transport acks)
      dedup({ ttlMs: 60_000 }), // same id twice → handled once
      timeout(2_000), // signalOf(message) aborts after 2 s
      logging({ log: () => undefined }), // duration and outcome of every message
    );

    bus.subscribe('orders.created', reliably(withSchema(Order, async (m) => {
      await fetchLike(`/orders/${m.payload.id}`, signalOf(m)); // typed payload, abortable work
      saved.push(m.payload.id);
    })));

    await bus.publish('orders.created', { id: 'o-1', total: 30 }, { id: 'msg-1' });
    await bus.publish('orders.created', { id: 'o-1', total: 30 }, { id: 'msg-1' }); // a duplicate
    await bus.publish('orders.created', { id: 'o-2', total: -5 }); // invalid: reported, not retried
    await until(() => problems.length > 0); // handled in order: the duplicate came before
    expect(saved).toEqual(['o-1']);
    expect(problems).toEqual([expect.stringMatching(/failed validation: total/)]);
  });

  it('a retrying publisher: same id on every attempt, stops at once on abort', async () => {
    const bus = createMemoryBus();
    const events = decoratePublisher(bus, injectHeaders({ source: 'checkout' }), retryPublish({ maxAttempts: 4 }));

    await events.publish('orders.created', { id: 'o-1' });
    const shutdown = AbortSignal.abort();
    await expect(events.publish('orders.created', { id: 'o-2' }, { signal: shutdown })).rejects.toMatchObject({ code: 'aborted' });
  });

  it('pipes: forward, map (a filtered message is acked), dead letters', async () => {
    type Order = { id: string; total: number };
    const bus = createMemoryBus();
    const audit = createMemoryBus();
    const dead: unknown[] = [];
    const invoices: unknown[] = [];
    bus.subscribe('billing.invoice.requested', (m) => void invoices.push(m.payload));

    forward(bus, 'orders.>', audit); // every order event, same id and headers, into the audit bus
    map(bus, 'orders.created', bus, (m) => {
      const order = m.payload as Order;
      return { subject: 'billing.invoice.requested', payload: { orderId: order.id, amount: order.total } };
    }, {
      filter: (m) => (m.payload as Order).total > 0, // free orders need no invoice
      onDeadLetter: (message, error) => dead.push([message.id, String(error)]),
    });

    await bus.publish('orders.created', { id: 'o-1', total: 30 });
    await bus.publish('orders.created', { id: 'o-2', total: 0 });
    await until(() => invoices.length > 0);
    await turn(); // in-process: o-2 (filtered) has been through the map too
    expect(invoices).toEqual([{ orderId: 'o-1', amount: 30 }]);
    expect(dead).toEqual([]);
  });

  it('streams: 8 in flight, order per subject, tee, merge, publish', async () => {
    const bus = createMemoryBus();
    const done: string[] = [];

    // A bounded stream: when 8 are in flight and 64 are buffered, publishers wait (block policy).
    const jobs = toStream(bus.subscribe('jobs.*', { bufferSize: 64, overflow: 'block' }));
    const processing = jobs.process(8, async (m) => {
      await sleep(1);
      done.push(`${m.subject}#${String(m.payload)}`);
    }, { orderBy: 'subject' }); // jobs.a#1 always before jobs.a#2

    for (let i = 1; i <= 3; i++) for (const q of ['a', 'b']) await bus.publish(`jobs.${q}`, i);

    // tee: every branch gets every message; merge: fan-in; publishTo: back into a publisher
    const [toArchive, toCount] = toStream(bus.subscribe('clicks', { bufferSize: 16 })).tee(2);
    const archived = merge([toArchive!, toStream(bus.subscribe('views', { bufferSize: 16 }))]).publishTo(bus, { subject: (m) => `archive.${m.subject}` });
    let clicks = 0;
    const counting = toCount!.process(1, () => void clicks++);
    await bus.publish('clicks', { x: 1 });
    await bus.publish('views', { page: '/' });

    await until(() => done.length === 6 && clicks === 1);
    await bus.close(); // ends every subscription, so the stages resolve
    await Promise.all([processing, archived, counting]);
    expect(done.filter((d) => d.startsWith('jobs.a'))).toEqual(['jobs.a#1', 'jobs.a#2', 'jobs.a#3']);
    expect(done).toHaveLength(6);
    expect(clicks).toBe(1);
  });

  it('topics: subject names, a bound topic with a schema, a codec shared by both sides', async () => {
    const bus = createMemoryBus();
    const shop = eventSubjects('shop');
    shop.subject('order', 'created'); // 'shop.order.created' (checked, literal type)
    shop.pattern({ entity: 'order' }); // 'shop.order.*'

    const orderPaid = bindTopic(bus, shop.subject('order', 'paid'), { schema: z.object({ id: z.string(), amount: z.number() }) });
    const paid: number[] = [];
    orderPaid.subscribe((m) => void paid.push(m.payload.amount));
    await orderPaid.publish({ id: 'o-1', amount: 30 });
    await expect(orderPaid.publish({ id: 'o-1' } as never)).rejects.toMatchObject({ code: 'invalid_payload' });

    const wire = withCodec(bus, jsonCodec<{ hello: string }>()); // bytes on the bus, objects in the code
    const greetings: string[] = [];
    wire.subscribe('greetings', (m) => void greetings.push(m.payload.hello));
    await wire.publish('greetings', { hello: 'world' });

    await until(() => paid.length > 0 && greetings.length > 0);
    expect(paid).toEqual([30]);
    expect(greetings).toEqual(['world']);
  });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Stands in for a real `fetch(url, { signal })`. */
async function fetchLike(_url: string, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new IsofluxError('aborted', 'aborted');
  await turn(); // asynchronous, as a fetch is
}
