/**
 * `memory/wildcard-1k`: 1,000 subscriptions on distinct literal subjects plus the wildcard subscriptions of
 * {@link WILDCARDS}, publishing to subjects drawn from a pre-generated list. Only isoflux and postal have
 * wildcards; every other peer gets its best equivalent, said in its `note` (it lands in the JSON).
 * See direct.ts for why each contestant has its own loop.
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
import {
  DEFAULT_PROTECTION,
  PUBLISH_LIST,
  PUBLISH_LIST_SIZE,
  SUBJECTS,
  WILDCARDS,
  compileMatcher,
  isofluxIdentity,
  toAmqp,
  wildcardDeliveries,
  type Payload,
} from './fixtures.js';

const MASK = PUBLISH_LIST_SIZE - 1;

/** Subjects of the universe a NATS pattern matches: for peers that expand wildcards at subscribe time. */
function expand(pattern: string): string[] {
  const match = compileMatcher(pattern);
  return SUBJECTS.filter((s) => match(s));
}

function isoflux(payload: PayloadProtection): Contestant {
  return {
    ...isofluxIdentity(payload, 'Native NATS wildcards: subject trie plus a bounded per-subject match cache'),
    setup(): Bench {
      const bus = createMemoryBus<Record<string, Payload>>({ payload });
      const sink = new Sink();
      for (const pattern of [...SUBJECTS, ...WILDCARDS]) bus.subscribe(pattern, (m: Message<Payload>) => sink.add(m.payload));
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) void bus.publish(PUBLISH_LIST[i & MASK] as string, { n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: () => bus.close(),
      };
    },
  };
}

function withMitt(): Contestant {
  return {
    name: 'mitt',
    role: 'peer',
    note: "exact subjects via on(subject); wildcards via mitt's own '*' handler, which tests each wildcard with a compiled NATS matcher per message",
    setup(): Bench {
      const emitter = mitt<Record<string, Payload>>();
      const sink = new Sink();
      for (const subject of SUBJECTS) emitter.on(subject, (p) => sink.add(p));
      const wildcards = WILDCARDS.map((pattern) => ({ match: compileMatcher(pattern), handler: (p: Payload) => sink.add(p) }));
      emitter.on('*', (type, p) => {
        for (const w of wildcards) if (w.match(type as string)) w.handler(p);
      });
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) emitter.emit(PUBLISH_LIST[i & MASK] as string, { n: i });
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

function withEventEmitter3(): Contestant {
  return {
    name: 'eventemitter3',
    role: 'peer',
    note: EXPANDED_NOTE,
    setup(): Bench {
      const emitter = new EventEmitter<Record<string, (p: Payload) => void>>();
      const sink = new Sink();
      for (const subject of SUBJECTS) emitter.on(subject, (p) => sink.add(p));
      for (const pattern of WILDCARDS) {
        const handler = (p: Payload): void => sink.add(p);
        for (const subject of expand(pattern)) emitter.on(subject, handler);
      }
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) emitter.emit(PUBLISH_LIST[i & MASK] as string, { n: i });
          next = end;
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
    note: EXPANDED_NOTE,
    setup(): Bench {
      const emitter = createNanoEvents<Record<string, (p: Payload) => void>>();
      const sink = new Sink();
      for (const subject of SUBJECTS) emitter.on(subject, (p) => sink.add(p));
      for (const pattern of WILDCARDS) {
        const handler = (p: Payload): void => sink.add(p);
        for (const subject of expand(pattern)) emitter.on(subject, handler);
      }
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) emitter.emit(PUBLISH_LIST[i & MASK] as string, { n: i });
          next = end;
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
    note:
      'a Map of one Subject per literal subject for the exact subscriptions, plus one Subject of {subject, payload} ' +
      'that every wildcard subscribes to through filter(compiled NATS matcher)',
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
        const match = compileMatcher(pattern);
        all.pipe(filter((m) => match(m.subject))).subscribe((m) => sink.add(m.payload));
      }
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) {
            const subject = PUBLISH_LIST[i & MASK] as string;
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

function withPostal(): Contestant {
  return {
    name: 'postal',
    role: 'peer',
    note: "native wildcards in one channel; 's.>' becomes 's.#' (AMQP syntax). postal tests every subscriber per publish and caches each (pattern, topic) result without bound",
    setup(): Bench {
      const channel = getChannel<Record<string, Payload>>('bench-wildcard');
      const sink = new Sink();
      for (const pattern of [...SUBJECTS, ...WILDCARDS.map(toAmqp)]) channel.subscribe(pattern, (e: Envelope<Payload>) => sink.add(e.payload));
      let next = 0;
      return {
        run(n) {
          const end = next + n;
          for (let i = next; i < end; i++) channel.publish(PUBLISH_LIST[i & MASK] as string, { n: i });
          next = end;
        },
        delivered: () => sink.count,
        checksum: () => sink.total,
        teardown: () => channel.dispose(),
      };
    },
  };
}

/** One operation = one message published to the next subject of the pre-generated list. */
export const wildcardScenario: Scenario = {
  name: 'memory/wildcard-1k',
  unit: 'msg/s',
  clock: 'cpu',
  description:
    `${SUBJECTS.length} exact subscriptions on distinct subjects + wildcards ${WILDCARDS.join(', ')}; ` +
    `publish to a seeded random sequence of ${PUBLISH_LIST_SIZE} of those subjects; msg/s = published messages per second`,
  expectedDeliveries: wildcardDeliveries,
  contestants: [isoflux(DEFAULT_PROTECTION), isoflux('shared'), withMitt(), withEventEmitter3(), withNanoevents(), withRxjs(), withPostal()],
  targets: [{ peer: 'postal', minRatio: 50 }],
};
