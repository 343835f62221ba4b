/**
 * `memory/async-block`: one subscriber with an async handler, a bounded buffer and the `block` policy;
 * the publisher awaits every publish, so once the buffer is full it runs at the handler's pace
 * (backpressure) instead of growing memory. The figure is sustained deliveries per second.
 *
 * isoflux does this itself (`overflow: 'block'`). No peer has backpressure, so each gets the same
 * hand-written {@link BoundedAsyncQueue} behind its listener, and its publisher does
 * `emit(...); await queue.writable()` — what isoflux's `await bus.publish(...)` does inside.
 * See direct.ts for why each contestant has its own loop.
 * @module
 */
import mitt from 'mitt';
import { EventEmitter } from 'eventemitter3';
import { createNanoEvents } from 'nanoevents';
import { getChannel, type Envelope } from 'postal';
import { Subject } from 'rxjs';
import { createMemoryBus, type PayloadProtection } from '../../src/memory/index.js';
import type { Message } from '../../src/core/message.js';
import { BoundedAsyncQueue } from '../lib/bounded-queue.js';
import { Sink } from '../lib/sink.js';
import type { Bench, Contestant, Scenario } from '../lib/types.js';
import { DEFAULT_PROTECTION, isofluxIdentity, type Payload } from './fixtures.js';

const SUBJECT = 'bench.async';
/** Buffer of the subscriber (isoflux `bufferSize`) and of the peers' queue: small, so the publisher blocks early and often. */
const CAPACITY = 256;

/**
 * The handler every contestant runs: it yields once (as a handler awaiting a cached lookup would) then
 * does the shared trivial work. Slower than an await-per-publish publisher, so the buffer fills.
 */
function asyncWork(sink: Sink): (p: Payload) => Promise<void> {
  return async (p) => {
    await null;
    sink.add(p);
  };
}

function isoflux(payload: PayloadProtection): Contestant {
  return {
    ...isofluxIdentity(payload, `Subscribes with subscribe(subject, asyncHandler, { overflow: 'block', bufferSize: ${CAPACITY} }); the publisher awaits each publish`),
    setup(): Bench {
      const bus = createMemoryBus<Record<string, Payload>>({ payload });
      const sink = new Sink();
      // the body of asyncWork, reading the payload from the envelope
      const handler = async (m: Message<Payload>): Promise<void> => {
        await null;
        sink.add(m.payload);
      };
      bus.subscribe(SUBJECT, handler, { overflow: 'block', bufferSize: CAPACITY });
      let next = 0;
      return {
        async run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) await bus.publish(SUBJECT, { n: i });
          next = end;
          await sink.reach(end);
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: () => bus.close(),
      };
    },
  };
}

const QUEUE_NOTE = `listener pushes into a hand-written BoundedAsyncQueue(${CAPACITY}); the publisher does emit() then awaits queue.writable()`;

function withMitt(): Contestant {
  return {
    name: 'mitt',
    role: 'peer',
    note: QUEUE_NOTE,
    setup(): Bench {
      const emitter = mitt<Record<string, Payload>>();
      const sink = new Sink();
      const queue = new BoundedAsyncQueue(CAPACITY, asyncWork(sink));
      emitter.on(SUBJECT, (p) => queue.push(p));
      let next = 0;
      return {
        async run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) {
            emitter.emit(SUBJECT, { n: i });
            await queue.writable();
          }
          next = end;
          await sink.reach(end);
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

function withEventEmitter3(): Contestant {
  return {
    name: 'eventemitter3',
    role: 'peer',
    note: QUEUE_NOTE,
    setup(): Bench {
      const emitter = new EventEmitter<Record<string, (p: Payload) => void>>();
      const sink = new Sink();
      const queue = new BoundedAsyncQueue(CAPACITY, asyncWork(sink));
      emitter.on(SUBJECT, (p) => queue.push(p));
      let next = 0;
      return {
        async run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) {
            emitter.emit(SUBJECT, { n: i });
            await queue.writable();
          }
          next = end;
          await sink.reach(end);
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

function withNanoevents(): Contestant {
  return {
    name: 'nanoevents',
    role: 'peer',
    note: QUEUE_NOTE,
    setup(): Bench {
      const emitter = createNanoEvents<Record<string, (p: Payload) => void>>();
      const sink = new Sink();
      const queue = new BoundedAsyncQueue(CAPACITY, asyncWork(sink));
      emitter.on(SUBJECT, (p) => queue.push(p));
      let next = 0;
      return {
        async run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) {
            emitter.emit(SUBJECT, { n: i });
            await queue.writable();
          }
          next = end;
          await sink.reach(end);
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

function withRxjs(): Contestant {
  return {
    name: 'rxjs',
    role: 'peer',
    note: `${QUEUE_NOTE} (RxJS operators such as concatMap buffer without bound: no backpressure)`,
    setup(): Bench {
      const subject = new Subject<Payload>();
      const sink = new Sink();
      const queue = new BoundedAsyncQueue(CAPACITY, asyncWork(sink));
      subject.subscribe((p) => queue.push(p));
      let next = 0;
      return {
        async run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) {
            subject.next({ n: i });
            await queue.writable();
          }
          next = end;
          await sink.reach(end);
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: () => subject.complete(),
      };
    },
  };
}

function withPostal(): Contestant {
  return {
    name: 'postal',
    role: 'peer',
    note: QUEUE_NOTE,
    setup(): Bench {
      const channel = getChannel<Record<string, Payload>>('bench-async');
      const sink = new Sink();
      const queue = new BoundedAsyncQueue(CAPACITY, asyncWork(sink));
      channel.subscribe(SUBJECT, (e: Envelope<Payload>) => queue.push(e.payload));
      let next = 0;
      return {
        async run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) {
            channel.publish(SUBJECT, { n: i });
            await queue.writable();
          }
          next = end;
          await sink.reach(end);
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: () => channel.dispose(),
      };
    },
  };
}

/** One operation = one message published and handled (the run ends when the last handler finished). */
export const asyncBlockScenario: Scenario = {
  name: 'memory/async-block',
  unit: 'msg/s',
  clock: 'cpu',
  description: `one async handler (awaits once per message), buffer ${CAPACITY}, block policy, publisher awaits every publish; msg/s = sustained deliveries per CPU second`,
  notMeasured: 'memory under a full buffer, the other overflow policies (drop-newest, drop-oldest, disconnect), handlers slower than one microtask. No peer has backpressure: each gets the same hand-written queue, so the peers measure that queue as much as the emitter.',
  expectedDeliveries: (ops) => ops,
  contestants: [isoflux(DEFAULT_PROTECTION), isoflux('shared'), withMitt(), withEventEmitter3(), withNanoevents(), withRxjs(), withPostal()],
};
