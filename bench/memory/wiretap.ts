/**
 * `memory/wiretap`: what the wiretap (`tap(bus, listener)`, issue 17) costs on the memory bus's hot path:
 * the publish loop of `memory/exact-1sub` (one literal subject, one synchronous subscriber, fire-and-forget)
 * on three buses side by side, in paired rounds:
 * - `isoflux`: no tap was ever attached to this bus;
 * - `isoflux (tap removed)`: a tap was attached, saw 1,000 messages published and delivered, and was
 *   removed before measuring: the claim is that this costs nothing, so the ratio to `isoflux` is ~1;
 * - `isoflux (tapped)`: a listener is attached throughout (it counts events by kind): the price of tapping.
 * Each bus's tap events are checked: the tapped bus's listener heard one `published` and one `delivered`
 * per message, the removed one heard nothing after its removal.
 * @module
 */
import { tap, type TapEvent } from '../../src/index.js';
import type { Message } from '../../src/core/message.js';
import { createMemoryBus } from '../../src/memory/index.js';
import { Sink } from '../lib/sink.js';
import type { Bench, Contestant, Scenario } from '../lib/types.js';
import type { Payload } from './fixtures.js';

const SUBJECT = 'bench.tapped';
/** Messages published through the tap before it is removed (`isoflux (tap removed)`). */
const WHILE_TAPPED = 1000;

type TapState = 'never' | 'removed' | 'tapped';

/** Counts what a listener heard, by kind: the listener's whole work. */
class Heard {
  published = 0;
  delivered = 0;
  other = 0;
  readonly listener = (event: TapEvent): void => {
    if (event.kind === 'published') this.published++;
    else if (event.kind === 'delivered') this.delivered++;
    else this.other++;
  };
  total(): number {
    return this.published + this.delivered + this.other;
  }
}

/** A zero-delay turn: every `published` event of the messages sent so far has been emitted after it. */
const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function setup(state: TapState): Promise<Bench> {
  const bus = createMemoryBus<Record<string, Payload>>();
  const sink = new Sink();
  bus.subscribe(SUBJECT, (m: Message<Payload>) => sink.add(m.payload));
  const heard = new Heard();
  let next = 0;
  if (state !== 'never') {
    const stop = tap(bus, heard.listener);
    if (state === 'removed') {
      for (; next < WHILE_TAPPED; next++) void bus.publish(SUBJECT, { n: next });
      await turn();
      if (heard.published !== WHILE_TAPPED || heard.delivered !== WHILE_TAPPED) {
        throw new Error(`the tap heard ${heard.published} published / ${heard.delivered} delivered of ${WHILE_TAPPED} messages before its removal`);
      }
      stop();
    }
  }
  // the messages published while tapped (removed variant) are not the scenario's deliveries
  const before = sink.count;
  const heardBefore = heard.total();
  return {
    run(n) {
      const end = next + n;
      for (let i = next; i < end; i++) void bus.publish(SUBJECT, { n: i });
      next = end;
    },
    delivered: () => sink.count - before,
    checksum: () => sink.total,
    async teardown() {
      await turn();
      const published = next - WHILE_TAPPED * (state === 'removed' ? 1 : 0);
      if (state === 'tapped' && (heard.published !== published || heard.delivered !== published || heard.other !== 0)) {
        throw new Error(`the tapped bus's listener heard ${heard.published} published / ${heard.delivered} delivered / ${heard.other} other events for ${published} messages`);
      }
      if (state === 'removed' && heard.total() !== heardBefore) throw new Error(`a removed tap heard ${heard.total() - heardBefore} events`);
      await bus.close();
    },
  };
}

const NOTES: Record<TapState, Pick<Contestant, 'name' | 'role' | 'note'>> = {
  never: { name: 'isoflux', role: 'isoflux', note: 'createMemoryBus() with its defaults, never tapped' },
  removed: { name: 'isoflux (tap removed)', role: 'variant', note: `tap(bus, listener) attached, ${WHILE_TAPPED} messages published through it, then removed before the warm-up` },
  tapped: { name: 'isoflux (tapped)', role: 'variant', note: 'tap(bus, listener) attached throughout; the listener counts events by kind (published + delivered per message)' },
};

const contestant = (state: TapState): Contestant => ({ ...NOTES[state], setup: () => setup(state) });

/** The wiretap's cost; see the module comment. */
export const wiretapScenario: Scenario = {
  name: 'memory/wiretap',
  unit: 'msg/s',
  clock: 'cpu',
  description:
    'the memory/exact-1sub loop (void bus.publish to one literal subject, 1 synchronous subscriber) on a bus never tapped (isoflux), ' +
    'one whose tap was removed, and one tapped throughout; msg/s = published messages per CPU second',
  notMeasured:
    'a process in which no bus was ever tapped: the three buses share one process and so V8’s type feedback, and the never-tapped bus ' +
    'runs code the tapped one has also run (memory/exact-1sub is that process); listeners that do real work (the figure is the wiretap’s ' +
    'own cost: building two events per message and calling one listener that counts them); a recorder that keeps events (isoflux/testing); ' +
    'other transports (the check is the same Taps.active flag in the kit every bus is built on); the outbox (its publish is a store write).',
  expectedDeliveries: (ops) => ops,
  contestants: [contestant('never'), contestant('removed'), contestant('tapped')],
  target: {
    text: 'zero cost when nothing taps: a removed tap ≥ 0.95x a bus never tapped',
    conditions: [{ contestant: 'isoflux (tap removed)', peer: 'isoflux', minRatio: 0.95 }],
  },
  // (tap removed) / isoflux is the target's figure; what tapping costs has no target, only a measurement
  reportRatios: [{ contestant: 'isoflux (tapped)', peer: 'isoflux' }],
};
