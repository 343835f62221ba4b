import { describe, expectTypeOf, it } from 'vitest';
import type { Bus, PubSubBus } from '../../src/index.js';
import type { createBroadcastBus } from '../../src/broadcast/index.js';
import type { createHttpClient, createHttpHandler } from '../../src/http/index.js';
import type { createJetStreamSubscriber } from '../../src/jetstream/index.js';
import { createMemoryBus } from '../../src/memory/index.js';
import type { createNatsBus } from '../../src/nats/index.js';
import type { createPostgresBus } from '../../src/postgres/index.js';
import type { connectLeaderBus, connectShared, connectWorkerBus } from '../../src/worker/index.js';
import { createPortBus } from '../../examples/transport/port-bus.js';

type Topics = { 'orders.created': { id: string }; 'orders.*.shipped': { id: string; carrier: string } };

describe('Bus<M>: one name for a typed bus of any transport', () => {
  it('every transport with request/reply returns a Bus of its topic map', () => {
    expectTypeOf<ReturnType<typeof createMemoryBus<Topics>>>().toExtend<Bus<Topics>>();
    expectTypeOf<ReturnType<typeof createBroadcastBus<Topics>>>().toExtend<Bus<Topics>>();
    expectTypeOf<ReturnType<typeof createNatsBus<Topics>>>().toExtend<Bus<Topics>>();
    expectTypeOf<Awaited<ReturnType<typeof connectWorkerBus<Topics>>>>().toExtend<Bus<Topics>>();
    expectTypeOf<Awaited<ReturnType<typeof connectLeaderBus<Topics>>>>().toExtend<Bus<Topics>>();
    expectTypeOf<Awaited<ReturnType<typeof connectShared<Topics>>>>().toExtend<Bus<Topics>>();
    // subscribe/respond exist and throw `unsupported` (subscribe on the server side)
    expectTypeOf<ReturnType<typeof createHttpClient<Topics>>>().toExtend<Bus<Topics>>();
  });

  it('transports without request/reply are a PubSubBus, and not a Bus', () => {
    expectTypeOf<ReturnType<typeof createPostgresBus<Topics>>>().toExtend<PubSubBus<Topics>>();
    expectTypeOf<ReturnType<typeof createPostgresBus<Topics>>>().not.toExtend<Bus<Topics>>();
    expectTypeOf<ReturnType<typeof createHttpHandler<Topics>>>().toExtend<PubSubBus<Topics>>();
    expectTypeOf<ReturnType<typeof createJetStreamSubscriber<Topics>>>().toExtend<PubSubBus<Topics>>();
    expectTypeOf<ReturnType<typeof createPortBus<Topics>>>().toExtend<PubSubBus<Topics>>();
    expectTypeOf<ReturnType<typeof createPortBus<Topics>>>().not.toExtend<Bus<Topics>>();
    expectTypeOf<Bus<Topics>>().toExtend<PubSubBus<Topics>>();
  });

  it('keeps the topic map: a Bus of other topics does not fit, and calls stay checked', () => {
    expectTypeOf<ReturnType<typeof createMemoryBus<Topics>>>().not.toExtend<Bus<{ 'orders.created': number }>>();
    const wire = (bus: Bus<Topics>): void => {
      void bus.publish('orders.created', { id: 'o1' });
      void bus.publish('orders.42.shipped', { id: 'o1', carrier: 'dhl' });
      // @ts-expect-error wrong payload for the subject
      void bus.publish('orders.created', { id: 1 });
      // @ts-expect-error subject not in the map
      void bus.publish('orders.deleted', { id: 'o1' });
      bus.subscribe('orders.>', (m) => expectTypeOf(m.payload).toEqualTypeOf<{ id: string } | { id: string; carrier: string }>());
      void bus.request('orders.created', { id: 'o1' });
    };
    wire(createMemoryBus<Topics>());
  });

  it('an untyped bus is a Bus of any subject', () => {
    const bus: Bus = createMemoryBus();
    void bus.publish('anything.goes', 42);
  });
});
