/**
 * `memory/wildcard-1k` and its cache-hostile twin `memory/wildcard-50k`: 1,000 subscriptions on distinct
 * literal subjects plus the wildcard subscriptions of {@link WILDCARDS}, publishing along a pre-generated
 * plan: 4,096 draws from the 1,000 subscribed subjects (cache-friendly), or a cycle through 50,000 distinct
 * subjects (cache-hostile). mitt and EventEmitter3 are used as their users write wildcards: exact listeners
 * plus one catch-all listener testing a RegExp per pattern. See direct.ts for why each contestant has its
 * own loop; `*-awaited` scenarios are in awaited.ts.
 * @module
 */
import mitt from 'mitt';
import { EventEmitter } from 'eventemitter3';
import { createNanoEvents } from 'nanoevents';
import { getChannel, type Envelope } from 'postal';
import { Subject, filter } from 'rxjs';
import { createMemoryBus, type PayloadProtection } from '../../src/memory/index.js';
import type { Message } from '../../src/core/message.js';
import { Sink } from '../lib/sink.js';
import type { Bench, Contestant, Scenario } from '../lib/types.js';
import { DEFAULT_PROTECTION, PLAN_1K, PLAN_50K, SUBJECTS, WILDCARDS, compileMatcher, isofluxIdentity, toAmqp, toRegExp, type Payload, type PublishPlan } from './fixtures.js';

/** Subjects of the 1,000-subject universe a NATS pattern matches: for peers that expand wildcards at subscribe time. */
function expand(pattern: string): string[] {
  const match = compileMatcher(pattern);
  return SUBJECTS.filter((s) => match(s));
}

function isoflux(plan: PublishPlan, payload: PayloadProtection): Contestant {
  return {
    ...isofluxIdentity(payload, 'Native NATS wildcards: subject trie plus a bounded per-subject match cache'),
    setup(): Bench {
      const bus = createMemoryBus<Record<string, Payload>>({ payload });
      const sink = new Sink();
      for (const pattern of [...SUBJECTS, ...WILDCARDS]) bus.subscribe(pattern, (m: Message<Payload>) => sink.add(m.payload));
      const list = plan.list;
      const len = list.length;
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) void bus.publish(list[i % len] as string, { n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: () => bus.close(),
      };
    },
  };
}

const REGEX_NOTE = 'one RegExp per NATS pattern (^s\\.3\\.[^.]+$ …), tested against every published subject';

function withMitt(plan: PublishPlan): Contestant {
  return {
    name: 'mitt',
    role: 'peer',
    note: `exact subjects via on(subject); wildcards via mitt's documented '*' (all events) handler, ${REGEX_NOTE}`,
    setup(): Bench {
      const emitter = mitt<Record<string, Payload>>();
      const sink = new Sink();
      for (const subject of SUBJECTS) emitter.on(subject, (p) => sink.add(p));
      const wildcards = WILDCARDS.map((pattern) => ({ re: toRegExp(pattern), handler: (p: Payload) => sink.add(p) }));
      emitter.on('*', (type, p) => {
        for (const w of wildcards) if (w.re.test(type as string)) w.handler(p);
      });
      const list = plan.list;
      const len = list.length;
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) emitter.emit(list[i % len] as string, { n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

function withEventEmitter3(plan: PublishPlan): Contestant {
  return {
    name: 'eventemitter3',
    role: 'peer',
    note: `exact subjects via on(subject); EventEmitter3 has no catch-all, so the publisher also emits '*' with (subject, payload) and one '*' listener does what mitt's does: ${REGEX_NOTE}`,
    setup(): Bench {
      const emitter = new EventEmitter();
      const sink = new Sink();
      for (const subject of SUBJECTS) emitter.on(subject, (p: Payload) => sink.add(p));
      const wildcards = WILDCARDS.map((pattern) => ({ re: toRegExp(pattern), handler: (p: Payload) => sink.add(p) }));
      emitter.on('*', (subject: string, p: Payload) => {
        for (const w of wildcards) if (w.re.test(subject)) w.handler(p);
      });
      const list = plan.list;
      const len = list.length;
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) {
            const subject = list[i % len] as string;
            const payload = { n: i };
            emitter.emit(subject, payload);
            emitter.emit('*', subject, payload);
          }
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

const EXPANDED_NOTE =
  'no wildcards and no catch-all: each wildcard handler is registered on every matching subject of the known universe at subscribe time ' +
  '(an upper bound: it needs every subject in advance, which real wildcard users do not have)';

function withNanoevents(plan: PublishPlan): Contestant {
  return {
    name: 'nanoevents',
    role: 'peer',
    note: EXPANDED_NOTE,
    setup(): Bench {
      const emitter = createNanoEvents<Record<string, (p: Payload) => void>>();
      const sink = new Sink();
      for (const subject of SUBJECTS) emitter.on(subject, (p) => sink.add(p));
      for (const pattern of WILDCARDS) {
        const handler = (p: Payload): void => sink.add(p);
        for (const subject of expand(pattern)) emitter.on(subject, handler);
      }
      const list = plan.list;
      const len = list.length;
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) emitter.emit(list[i % len] as string, { n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
      };
    },
  };
}

function withRxjs(plan: PublishPlan): Contestant {
  return {
    name: 'rxjs',
    role: 'peer',
    note: `a Map of one Subject per literal subject for the exact subscriptions, plus one Subject of {subject, payload} that every wildcard subscribes to through filter(): ${REGEX_NOTE}`,
    setup(): Bench {
      const bySubject = new Map<string, Subject<Payload>>();
      const all = new Subject<{ subject: string; payload: Payload }>();
      const sink = new Sink();
      for (const subject of SUBJECTS) {
        const s = new Subject<Payload>();
        s.subscribe((p) => sink.add(p));
        bySubject.set(subject, s);
      }
      for (const pattern of WILDCARDS) {
        const re = toRegExp(pattern);
        all.pipe(filter((m) => re.test(m.subject))).subscribe((m) => sink.add(m.payload));
      }
      const list = plan.list;
      const len = list.length;
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) {
            const subject = list[i % len] as string;
            const payload = { n: i };
            bySubject.get(subject)?.next(payload);
            all.next({ subject, payload });
          }
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: () => all.complete(),
      };
    },
  };
}

function withPostal(plan: PublishPlan): Contestant {
  return {
    name: 'postal',
    role: 'peer',
    note: "native wildcards in one channel; 's.>' becomes 's.#' (AMQP syntax). postal tests every subscriber per publish and caches each (pattern, topic) result without bound",
    setup(): Bench {
      const channel = getChannel<Record<string, Payload>>('bench-wildcard');
      const sink = new Sink();
      for (const pattern of [...SUBJECTS, ...WILDCARDS.map(toAmqp)]) channel.subscribe(pattern, (e: Envelope<Payload>) => sink.add(e.payload));
      const list = plan.list;
      const len = list.length;
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) channel.publish(list[i % len] as string, { n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: () => channel.dispose(),
      };
    },
  };
}

const subscriptionsText = `${SUBJECTS.length} exact subscriptions on distinct subjects s.<0..9>.<0..99> + wildcards ${WILDCARDS.join(', ')}`;

/** Cache-friendly: publishes to the 1,000 subscribed subjects. One operation = one published message. */
export const wildcard1k: Scenario = {
  name: 'memory/wildcard-1k',
  unit: 'msg/s',
  clock: 'cpu',
  description: `${subscriptionsText}; fire-and-forget publishes to a seeded random sequence of ${PLAN_1K.list.length} draws from those 1,000 subjects (cache-friendly); msg/s = published messages per CPU second`,
  notMeasured:
    'subscribe/unsubscribe cost, subjects built per message (they are pre-built strings), subjects outside the subscribed set (see wildcard-50k), handlers that do real work. ' +
    'nanoevents expands wildcards over a universe known in advance (an upper bound no real user has).',
  expectedDeliveries: PLAN_1K.deliveries,
  contestants: [
    isoflux(PLAN_1K, DEFAULT_PROTECTION),
    isoflux(PLAN_1K, 'shared'),
    withMitt(PLAN_1K),
    withEventEmitter3(PLAN_1K),
    withNanoevents(PLAN_1K),
    withRxjs(PLAN_1K),
    withPostal(PLAN_1K),
  ],
};

/** Cache-hostile: the same subscriptions, 50,000 distinct published subjects. */
export const wildcard50k: Scenario = {
  name: 'memory/wildcard-50k',
  unit: 'msg/s',
  clock: 'cpu',
  description: `${subscriptionsText} (as wildcard-1k); fire-and-forget publishes cycling through ${PLAN_50K.distinct.toLocaleString('en')} distinct subjects s.<0..49>.<0..999> in a seeded shuffled order (cache-hostile: 2% have an exact subscriber, all reach s.>); msg/s = published messages per CPU second`,
  notMeasured:
    'subjects built per message (pre-built strings, whose hashes V8 caches), memory growth over a long run, subscription churn. ' +
    'postal is left out: its unbounded (pattern, topic) cache would hold 1,003 × 50,000 results; nanoevents too (expanding wildcards over 50,000 subjects is not what its users do).',
  expectedDeliveries: PLAN_50K.deliveries,
  contestants: [isoflux(PLAN_50K, DEFAULT_PROTECTION), isoflux(PLAN_50K, 'shared'), withMitt(PLAN_50K), withEventEmitter3(PLAN_50K)],
  target: {
    text: '≥ 2x mitt/eventemitter3 with the regex matching their users write',
    conditions: [
      { peer: 'mitt', minRatio: 2 },
      { peer: 'eventemitter3', minRatio: 2 },
    ],
  },
};
