/**
 * The memory bus panel: a live log, a publish form, and one slow subscriber per overflow policy so a burst
 * shows how `block`, `drop-newest`, `drop-oldest` and `disconnect` differ.
 * @module
 */
import type { OverflowPolicy } from '../../src/index.js';
import { createMemoryBus } from '../../src/memory/index.js';
import { h } from '../components/dom.js';
import { inspect } from '../components/inspect.js';
import { MessageLog } from '../components/message-log.js';
import { PolicyLane } from '../components/policy-lane.js';
import { publishForm } from '../components/publish-form.js';
import type { DemoPanel } from './types.js';

const BURST_SIZE = 200;
const BURST_SUBJECT = 'demo.burst';
const LANE = { bufferSize: 8, handlerDelayMs: 10, maxConsecutiveDrops: 50 } as const;

const POLICIES: ReadonlyArray<{ policy: OverflowPolicy; description: string }> = [
  { policy: 'block', description: 'The publisher waits for room: nothing is lost, the burst takes longer.' },
  { policy: 'drop-newest', description: 'A full buffer turns new messages away: it keeps the first ones.' },
  { policy: 'drop-oldest', description: 'A full buffer evicts its oldest message: it keeps the latest ones.' },
  { policy: 'disconnect', description: 'Drops like drop-newest, then gives up on a subscriber that stays behind.' },
];

export const memoryPanel: DemoPanel = {
  id: 'memory',
  title: 'Memory bus',
  summary: 'In-process pub/sub with NATS subjects. Four slow subscribers on ">" each use one overflow policy.',
  mount(root, signal) {
    const bus = createMemoryBus({ signal });
    const log = new MessageLog();
    bus.subscribe('>', (message) => log.add(message), { signal });

    const lanes = POLICIES.map(({ policy, description }) => new PolicyLane({ subscriber: bus, pattern: '>', policy, description, signal, ...LANE }));
    inspect({ kind: 'bus', name: 'memory', bus });
    lanes.forEach((lane, i) => {
      const name = `> (${POLICIES[i]?.policy ?? 'lane'})`;
      inspect({ kind: 'subscription', watched: { bus: 'memory', name, bufferSize: LANE.bufferSize, get subscription() { return lane.subscription; } } });
    });
    const published = h('span', { 'data-testid': 'published-count' }, '0');
    const refresh = (): void => {
      published.textContent = String(bus.stats.published);
      for (const lane of lanes) lane.invalidate();
    };

    const burstStatus = h('p', { class: 'status', 'data-testid': 'burst-status', 'aria-live': 'polite' });
    const burst = h('button', { type: 'button', 'data-testid': 'burst' }, `Burst ${BURST_SIZE}`);
    burst.addEventListener('click', () => {
      burst.disabled = true;
      burstStatus.textContent = `publishing ${BURST_SIZE} messages to ${BURST_SUBJECT}…`;
      const started = performance.now();
      // All at once, not one await after another: the block lane then makes the burst wait for room.
      const accepted = Array.from({ length: BURST_SIZE }, (_, i) => bus.publish(BURST_SUBJECT, { seq: i + 1 }));
      refresh();
      void Promise.allSettled(accepted).then(() => {
        burst.disabled = false;
        burstStatus.textContent = `${BURST_SIZE} messages accepted in ${Math.round(performance.now() - started)} ms (block is what made the burst wait)`;
        refresh();
      });
    });
    const reset = h('button', { type: 'button', 'data-testid': 'reset' }, 'Reset subscribers');
    reset.addEventListener('click', () => lanes.forEach((lane) => lane.restart()));

    const form = publishForm({ publisher: bus, subject: 'orders.created', payload: '{ "id": 42, "total": 9.5 }', actions: [burst, reset], onPublished: refresh });
    root.append(
      h(
        'div',
        { class: 'memory-grid' },
        h('div', { class: 'column' }, form, burstStatus, h('p', { class: 'counter' }, 'published on this bus: ', published), log.element),
        h(
          'div',
          { class: 'lanes-column' },
          h('div', { class: 'lanes' }, ...lanes.map((lane) => lane.element)),
          h(
            'p',
            { class: 'hint' },
            `Press Burst: ${BURST_SIZE} messages reach four subscribers whose handler takes ${LANE.handlerDelayMs} ms each. `,
            'block makes the publisher wait and delivers everything; drop-newest keeps the first messages, drop-oldest the latest; ',
            `disconnect closes its subscription with slow_consumer after ${LANE.maxConsecutiveDrops} drops in a row; what is still in its buffer (up to ${LANE.bufferSize}) is dropped with it. Reset starts fresh subscribers.`,
          ),
        ),
      ),
    );
  },
};
