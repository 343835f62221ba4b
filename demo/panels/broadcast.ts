/**
 * The cross-tab panel: open the demo in two tabs. Messages published here appear in every tab; a queue
 * group of all open tabs hands each job to exactly one of them, and closing the tab that leads it shows
 * another taking over, live.
 * @module
 */
import { createBroadcastBus } from '../../src/broadcast/index.js';
import { joinTabs } from '../../src/presence/index.js';
import { frameScheduler, h } from '../components/dom.js';
import { inspect } from '../components/inspect.js';
import { MessageLog } from '../components/message-log.js';
import { publishForm } from '../components/publish-form.js';
import type { DemoPanel } from './types.js';

const JOBS = 'demo.jobs';
const QUEUE = 'demo-tabs';
const JOB_BATCH = 10;

export const broadcastPanel: DemoPanel = {
  id: 'broadcast',
  title: 'Cross-tab bus (BroadcastChannel)',
  summary: 'Open this page in a second tab: messages reach every tab, and each job goes to exactly one tab of the queue group.',
  async mount(root, signal) {
    const bus = createBroadcastBus({ namespace: 'isoflux-demo', signal });
    inspect({ kind: 'bus', name: 'tabs', bus });
    const log = new MessageLog();
    bus.subscribe('demo.chat.>', (m) => log.add(m), { signal });

    let handledHere = 0;
    const owners = new Map<string, number>();
    bus.subscribe(
      JOBS,
      (m) => {
        handledHere++;
        void bus.publish('demo.handled', { job: m.payload, by: bus.id });
        render();
      },
      { queue: QUEUE, signal },
    );
    bus.subscribe('demo.handled', (m) => {
      const by = (m.payload as { by: string }).by;
      owners.set(by, (owners.get(by) ?? 0) + 1);
      render();
    }, { signal });

    // who has the demo open: presence from Web Locks, so a closed tab leaves the list at once
    const presence = joinTabs(bus, { namespace: 'demo.tabs', meta: { tab: bus.id }, signal });
    const present = h('span', { 'data-testid': 'presence-count' }, '1');
    const presentList = h('span', { class: 'presence-list', 'data-testid': 'presence-list' });
    const showPresence = (): void => {
      const members = presence.members();
      present.textContent = String(members.length);
      presentList.replaceChildren(...members.map((m) => h('code', { class: m.self ? 'presence-self' : '' }, String(m.meta['tab']))));
    };
    presence.onChange(showPresence);
    const me = h('code', { 'data-testid': 'tab-id' }, bus.id);
    const peers = h('span', { 'data-testid': 'peer-count' }, '0');
    const role = h('strong', { 'data-testid': 'queue-role' }, 'standby');
    const handled = h('span', { 'data-testid': 'handled-here' }, '0');
    const owner = h('ol', { class: 'owners', 'data-testid': 'job-owners' });
    const render = frameScheduler(() => {
      peers.textContent = String(bus.peers.length);
      role.textContent = bus.isLeader(JOBS, QUEUE) ? 'leader: jobs are handled in this tab' : 'standby: another tab handles the jobs';
      handled.textContent = String(handledHere);
      owner.replaceChildren(
        ...[...owners].map(([id, n]) =>
          h(
            'li',
            { 'data-testid': 'job-owner', 'data-tab': id },
            h('code', {}, id),
            id === bus.id ? h('span', { class: 'badge' }, 'this tab') : '',
            h('span', { class: 'owner-count', 'data-testid': 'owner-count' }, `${n} ${n === 1 ? 'job' : 'jobs'}`),
          ),
        ),
      );
      owner.parentElement?.classList.toggle('has-rows', owners.size > 0);
    });
    // Peers come and go without a message to this panel (a tab closes): look again twice a second.
    const timer = setInterval(render, 500);
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });

    let sent = 0;
    const jobs = h('button', { type: 'button', 'data-testid': 'send-jobs' }, `Send ${JOB_BATCH} jobs`);
    jobs.addEventListener('click', () => {
      for (let i = 0; i < JOB_BATCH; i++) void bus.publish(JOBS, ++sent);
    });
    const form = publishForm({ publisher: bus, subject: 'demo.chat.lobby', payload: '{ "text": "hello from another tab" }', actions: [jobs] });
    root.append(
      h(
        'div',
        { class: 'memory-grid' },
        h(
          'div',
          { class: 'column' },
          h('p', { class: 'counter' }, 'This tab: ', me, ' · other tabs: ', peers),
          h('p', { class: 'counter presence' }, 'Tabs here (isoflux/presence): ', present, ' ', presentList),
          form,
          h('p', { class: 'counter' }, `Queue group "${QUEUE}" on ${JOBS}: `, role, ' · jobs handled here: ', handled),
          h(
            'div',
            { class: 'log' },
            h('div', { class: 'log-head' }, h('strong', {}, 'Who handled the jobs'), ' (every tab sees it; close the leader tab to watch failover)'),
            owner,
            h('p', { class: 'log-empty' }, `No job yet: press “Send ${JOB_BATCH} jobs”.`),
          ),
        ),
        h('div', { class: 'column' }, log.element),
      ),
    );
    await Promise.all([bus.ready, presence.ready]);
    showPresence();
    render();
  },
};
