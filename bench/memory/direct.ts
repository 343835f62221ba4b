/**
 * `memory/exact-1sub` and `memory/fanout-10`: synchronous handlers on one literal subject, published to
 * as fast as possible. isoflux builds its full Message envelope (subject, id on demand, headers, ack no-ops)
 * and protects the payload; the peers hand the bare payload (postal: its own envelope) to their listeners.
 *
 * Every contestant has its own hand-written publish loop on purpose: a shared loop calling each library
 * through a callback would turn that call site megamorphic and slow every contestant by the same constant,
 * squeezing the ratios towards 1.
 * @module
 */
import mitt from 'mitt';
import { EventEmitter } from 'eventemitter3';
import { createNanoEvents } from 'nanoevents';
import { getChannel, type Envelope } from 'postal';
import { Subject } from 'rxjs';
import { createMemoryBus, type PayloadProtection } from '../../src/memory/index.js';
import type { Message } from '../../src/core/message.js';
import { Sink } from '../lib/sink.js';
import type { Bench, Contestant, Scenario } from '../lib/types.js';
import { DEFAULT_PROTECTION, isofluxIdentity, type Payload } from './fixtures.js';

const SUBJECT = 'bench.direct';

function isoflux(fanout: number, payload: PayloadProtection): Contestant {
  return {
    ...isofluxIdentity(payload, "'freeze' deep-freezes a payload that reaches two or more subscribers, before the first handler runs"),
    setup(): Bench {
      const bus = createMemoryBus<Record<string, Payload>>({ payload });
      const sink = new Sink();
      for (let k = 0; k < fanout; k++) bus.subscribe(SUBJECT, (m: Message<Payload>) => sink.add(m.payload));
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          // fire-and-forget, as an emitter is used; publish resolves at once (nothing blocks here)
          for (let i = next; i < end; i++) void bus.publish(SUBJECT, { n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: () => bus.close(),
      };
    },
  };
}

function withMitt(fanout: number): Contestant {
  return {
    name: 'mitt',
    role: 'peer',
    setup(): Bench {
      const emitter = mitt<Record<string, Payload>>();
      const sink = new Sink();
      for (let k = 0; k < fanout; k++) emitter.on(SUBJECT, (p) => sink.add(p));
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) emitter.emit(SUBJECT, { n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

function withEventEmitter3(fanout: number): Contestant {
  return {
    name: 'eventemitter3',
    role: 'peer',
    setup(): Bench {
      const emitter = new EventEmitter<Record<string, (p: Payload) => void>>();
      const sink = new Sink();
      for (let k = 0; k < fanout; k++) emitter.on(SUBJECT, (p) => sink.add(p));
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) emitter.emit(SUBJECT, { n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

function withNanoevents(fanout: number): Contestant {
  return {
    name: 'nanoevents',
    role: 'peer',
    setup(): Bench {
      const emitter = createNanoEvents<Record<string, (p: Payload) => void>>();
      const sink = new Sink();
      for (let k = 0; k < fanout; k++) emitter.on(SUBJECT, (p) => sink.add(p));
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) emitter.emit(SUBJECT, { n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

function withRxjs(fanout: number): Contestant {
  return {
    name: 'rxjs',
    role: 'peer',
    note: 'one Subject for the subject; each subscriber subscribes to it',
    setup(): Bench {
      const subject = new Subject<Payload>();
      const sink = new Sink();
      for (let k = 0; k < fanout; k++) subject.subscribe((p) => sink.add(p));
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) subject.next({ n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: () => subject.complete(),
      };
    },
  };
}

function withPostal(fanout: number): Contestant {
  return {
    name: 'postal',
    role: 'peer',
    note: 'postal 3 wraps each publish in its own envelope (UUID id, timestamp)',
    setup(): Bench {
      const channel = getChannel<Record<string, Payload>>(`bench-direct-${fanout}`);
      const sink = new Sink();
      for (let k = 0; k < fanout; k++) channel.subscribe(SUBJECT, (e: Envelope<Payload>) => sink.add(e.payload));
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) channel.publish(SUBJECT, { n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: () => channel.dispose(),
      };
    },
  };
}

/** `fanout` synchronous subscribers on one literal subject; one operation = one published message. */
export function directScenario(name: string, fanout: number, target: Scenario['target']): Scenario {
  return {
    name,
    unit: 'msg/s',
    clock: 'cpu',
    description: `fire-and-forget (void bus.publish / emit) to one literal subject with ${fanout} synchronous subscriber${fanout === 1 ? '' : 's'}; msg/s = published messages per CPU second`,
    notMeasured:
      'an awaited publish (see the -awaited twin), subscribe/unsubscribe cost, payloads larger than { n }, handlers doing real work, ' +
      'what the envelope gives isoflux handlers (subject, id, headers, ack no-ops) that the peers do not build.',
    expectedDeliveries: (ops) => ops * fanout,
    contestants: [
      isoflux(fanout, DEFAULT_PROTECTION),
      isoflux(fanout, 'shared'),
      withMitt(fanout),
      withEventEmitter3(fanout),
      withNanoevents(fanout),
      withRxjs(fanout),
      withPostal(fanout),
    ],
    ...(target === undefined ? {} : { target }),
  };
}
