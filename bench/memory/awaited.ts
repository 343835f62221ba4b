/**
 * The awaited twins of the memory scenarios: `await bus.publish(...)` per message, as typical application
 * code writes it, against the physical floor of an awaited publish: mitt's `emit` followed by a bare
 * `await` in the loop (`mitt emit + await`). An awaited publish cannot cost less than one emit plus one
 * microtask turn, so the ratio shows what isoflux's promise machinery adds on top of that floor.
 * See direct.ts for why each contestant has its own loop.
 * @module
 */
import mitt from 'mitt';
import { createMemoryBus, type PayloadProtection } from '../../src/memory/index.js';
import type { Message } from '../../src/core/message.js';
import { Sink } from '../lib/sink.js';
import type { Bench, Contestant, Scenario } from '../lib/types.js';
import { DEFAULT_PROTECTION, SUBJECTS, WILDCARDS, isofluxIdentity, toRegExp, type Payload, type PublishPlan } from './fixtures.js';

/** What the contestants subscribe: `fanout` handlers on one subject, or the wildcard scenarios' set. */
type Shape = { kind: 'direct'; fanout: number } | { kind: 'wildcard'; plan: PublishPlan };

const DIRECT_SUBJECT = 'bench.direct';

function isoflux(shape: Shape, payload: PayloadProtection): Contestant {
  return {
    ...isofluxIdentity(payload, 'The publisher awaits every publish (it resolves once every synchronous handler ran).'),
    setup(): Bench {
      const bus = createMemoryBus<Record<string, Payload>>({ payload });
      const sink = new Sink();
      const handler = (m: Message<Payload>): void => sink.add(m.payload);
      if (shape.kind === 'direct') for (let k = 0; k < shape.fanout; k++) bus.subscribe(DIRECT_SUBJECT, handler);
      else for (const pattern of [...SUBJECTS, ...WILDCARDS]) bus.subscribe(pattern, handler);
      const list = shape.kind === 'direct' ? [DIRECT_SUBJECT] : shape.plan.list;
      const len = list.length;
      let next = 0;
      return {
        async run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) await bus.publish(list[i % len] as string, { n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: () => bus.close(),
      };
    },
  };
}

function mittFloor(shape: Shape): Contestant {
  return {
    name: 'mitt emit + await',
    role: 'peer',
    note:
      "the floor of an awaited publish: mitt's emit() then a bare `await undefined` per message" +
      (shape.kind === 'wildcard' ? "; wildcards through mitt's '*' handler with one RegExp per pattern, as in the fire-and-forget scenario" : ''),
    setup(): Bench {
      const emitter = mitt<Record<string, Payload>>();
      const sink = new Sink();
      if (shape.kind === 'direct') for (let k = 0; k < shape.fanout; k++) emitter.on(DIRECT_SUBJECT, (p) => sink.add(p));
      else {
        for (const subject of SUBJECTS) emitter.on(subject, (p) => sink.add(p));
        const wildcards = WILDCARDS.map((pattern) => ({ re: toRegExp(pattern), handler: (p: Payload) => sink.add(p) }));
        emitter.on('*', (type, p) => {
          for (const w of wildcards) if (w.re.test(type as string)) w.handler(p);
        });
      }
      const list = shape.kind === 'direct' ? [DIRECT_SUBJECT] : shape.plan.list;
      const len = list.length;
      let next = 0;
      return {
        async run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) {
            emitter.emit(list[i % len] as string, { n: i });
            await undefined;
          }
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

/** The awaited twin of a fire-and-forget memory scenario. */
export function awaitedScenario(name: string, shape: Shape, what: string, target?: Scenario['target']): Scenario {
  return {
    name,
    unit: 'msg/s',
    clock: 'cpu',
    description: `${what}; the publisher awaits every publish (await bus.publish); msg/s = published messages per CPU second`,
    notMeasured:
      'fire-and-forget publishing (see the scenario without -awaited), handlers that are themselves async (see async-block), ' +
      'other peers (an awaited emit costs every emitter the same microtask turn, so mitt + await stands for the floor).',
    expectedDeliveries: shape.kind === 'direct' ? (ops) => ops * shape.fanout : shape.plan.deliveries,
    contestants: [isoflux(shape, DEFAULT_PROTECTION), isoflux(shape, 'shared'), mittFloor(shape)],
    ...(target === undefined ? {} : { target }),
  };
}
