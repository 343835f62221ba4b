/**
 * `memory/heap-per-sub-one-subject` and `memory/heap-per-sub-distinct`: heap bytes one subscription keeps
 * alive, measured as `process.memoryUsage().heapUsed` after forced full GCs (node --expose-gc), before and
 * after building a fresh bus with N subscriptions (100,000 in a full run), divided by N. All subscriptions
 * share one handler function and the subject strings are built before the first measurement, so neither
 * the handler closures nor the subject strings (the application's memory, the same for every library) are
 * counted: only what the library keeps per subscription.
 * @module
 */
import mitt, { type Emitter } from 'mitt';
import { EventEmitter } from 'eventemitter3';
import { createMemoryBus, type MemoryBus } from '../../src/memory/index.js';
import type { Message } from '../../src/core/message.js';
import { Sink } from '../lib/sink.js';
import type { Bench, Contestant, Scenario } from '../lib/types.js';
import type { Payload } from './fixtures.js';

const FULL_COUNT = 100_000;
const ONE_SUBJECT = 'orders.created';
/** Distinct subjects `orders.<i>.updated`, built once at load (outside every measurement). */
const DISTINCT: readonly string[] = Array.from({ length: FULL_COUNT }, (_, i) => `orders.${i}.updated`);
// Use each once as a property key now: V8 flattens and internalizes a string the first time it is a key,
// and that allocation would otherwise land on whichever contestant happens to use the strings first.
{
  const keys: Record<string, number> = {};
  for (const subject of DISTINCT) keys[subject] = 1;
}

type Shape = 'one' | 'distinct';
const subjectOf = (shape: Shape, i: number): string => (shape === 'one' ? ONE_SUBJECT : (DISTINCT[i] as string));

function isoflux(shape: Shape): Contestant {
  return {
    name: 'isoflux',
    role: 'isoflux',
    note: 'createMemoryBus() with defaults; bus.subscribe(subject, handler) per subscription, the returned Subscription not kept by the caller (the bus keeps what it needs)',
    setup(): Bench {
      const sink = new Sink();
      const handler = (m: Message<Payload>): void => sink.add(m.payload);
      let bus: MemoryBus<Record<string, Payload>> | undefined;
      return {
        allocate(count) {
          bus = createMemoryBus<Record<string, Payload>>();
          for (let i = 0; i < count; i++) bus.subscribe(subjectOf(shape, i), handler);
        },
        run: () => void bus?.publish(subjectOf(shape, 0), { n: 1 }),
        async release() {
          await bus?.close();
          bus = undefined;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

function withMitt(shape: Shape): Contestant {
  return {
    name: 'mitt',
    role: 'peer',
    note: 'mitt(); emitter.on(subject, handler) per subscription',
    setup(): Bench {
      const sink = new Sink();
      const handler = (p: Payload): void => sink.add(p);
      let emitter: Emitter<Record<string, Payload>> | undefined;
      return {
        allocate(count) {
          emitter = mitt<Record<string, Payload>>();
          for (let i = 0; i < count; i++) emitter.on(subjectOf(shape, i), handler);
        },
        run: () => emitter?.emit(subjectOf(shape, 0), { n: 1 }),
        release() {
          emitter = undefined;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

function withEventEmitter3(shape: Shape): Contestant {
  return {
    name: 'eventemitter3',
    role: 'peer',
    note: 'new EventEmitter(); emitter.on(subject, handler) per subscription',
    setup(): Bench {
      const sink = new Sink();
      const handler = (p: Payload): void => sink.add(p);
      let emitter: EventEmitter | undefined;
      return {
        allocate(count) {
          emitter = new EventEmitter();
          for (let i = 0; i < count; i++) emitter.on(subjectOf(shape, i), handler);
        },
        run: () => void emitter?.emit(subjectOf(shape, 0), { n: 1 }),
        release() {
          emitter = undefined;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

function heapScenario(shape: Shape): Scenario {
  const one = shape === 'one';
  return {
    name: one ? 'memory/heap-per-sub-one-subject' : 'memory/heap-per-sub-distinct',
    unit: 'B/sub',
    measure: 'heap',
    subscriptions: FULL_COUNT,
    description: one
      ? `heap bytes per subscription: N subscriptions (${FULL_COUNT.toLocaleString('en')} in a full run) on one subject ${ONE_SUBJECT}, heapUsed delta after forced full GCs / N`
      : `heap bytes per subscription: N subscriptions (${FULL_COUNT.toLocaleString('en')} in a full run) on N distinct subjects orders.<i>.updated, heapUsed delta after forced full GCs / N`,
    notMeasured:
      'handler closures and subject strings (shared/pre-built: the application owns them), off-heap memory (ArrayBuffers, none here), ' +
      'memory that grows while publishing (match caches, buffers under load), the Subscription handle a caller keeps to unsubscribe.',
    // the probe publishes once to the first subject: every subscription on it must fire
    expectedDeliveries: (probes, count = FULL_COUNT) => probes * (one ? count : 1),
    contestants: [isoflux(shape), withMitt(shape), withEventEmitter3(shape)],
    target: one ? { text: '≤ 150 B per subscription on one subject', conditions: [{ maxValue: 150 }] } : { text: '≤ 400 B per subscription on distinct subjects', conditions: [{ maxValue: 400 }] },
  };
}

export const heapOneSubject = heapScenario('one');
export const heapDistinct = heapScenario('distinct');
