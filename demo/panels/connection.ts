/**
 * The shared-connection panel: every tab of the demo uses one NATS connection, held by a leader tab that
 * Web Locks elect (the path `connectShared` takes where there is no SharedWorker, as on Android Chrome;
 * forced here so the handover can be seen). The state line shows the shared connection's state and
 * round trip, this tab's role and how many leaders it has followed. Close the leader tab, or press
 * "Hand over": the next tab in line leads within a second, and the subscriptions come back by themselves.
 * @module
 */
import type { PublishOptions, Publisher } from '../../src/index.js';
import { connectNats, createNatsBus, watchConnection } from '../../src/nats/index.js';
import { connectShared, LeaderBus, type LeaderHosting } from '../../src/worker/index.js';
import { loadDemoConfig } from '../components/demo-server.js';
import { describeError, h } from '../components/dom.js';
import { MessageLog } from '../components/message-log.js';
import { publishForm } from '../components/publish-form.js';
import type { DemoPanel } from './types.js';

const PATTERN = 'demo.shared.>';

/** What the elected tab runs: the same code a SharedWorker would. */
function hostNats(wsUrl: string): LeaderHosting {
  const nc = connectNats(wsUrl, { waitOnFirstConnect: true, reconnectTimeWait: 250, name: 'isoflux demo leader tab' });
  return {
    bus: nc.then((c) => createNatsBus(c)),
    connection: watchConnection(nc, { rttIntervalMs: 2000 }),
    close: async () => (await nc).close(),
  };
}

export const connectionPanel: DemoPanel = {
  id: 'connection',
  title: 'One connection per origin',
  summary: 'All tabs share one NATS connection held by a leader tab (Web Locks, no SharedWorker needed). Close the leader tab: another one takes over and every subscription comes back.',
  async mount(root, signal) {
    const state = h('strong', { 'data-testid': 'shared-state' }, 'connecting');
    const rtt = h('span', { 'data-testid': 'shared-rtt' }, '–');
    const role = h('strong', { 'data-testid': 'shared-role' }, 'electing');
    const leaders = h('span', { 'data-testid': 'shared-leaders' }, '0');
    const lastError = h('span', { class: 'status', 'data-testid': 'shared-error' });
    root.append(h('p', { class: 'counter', style: 'margin-bottom: 10px', 'data-testid': 'shared-line' }, 'Shared connection: ', state, ' · rtt ', rtt, ' · this tab: ', role, ' · leaders so far: ', leaders, ' ', lastError));

    const config = await loadDemoConfig();
    if (config.nats === null) {
      state.textContent = 'unavailable';
      role.textContent = 'none (no connection to share)'; // no election runs: not "electing" for ever
      root.append(h('p', { class: 'hint', 'data-testid': 'shared-hint' }, config.natsHint));
      return;
    }
    const { wsUrl } = config.nats;
    const log = new MessageLog({ limit: 50 });
    let bus: LeaderBus | undefined;
    // the form publishes through whichever bus this tab has now (a hand-over makes a new one)
    const publisher: Publisher = {
      publish: (subject: string, payload: unknown, options?: PublishOptions) => (bus === undefined ? Promise.reject(new Error('not joined yet')) : bus.publish(subject, payload, options)),
    };
    const handOver = h('button', { type: 'button', 'data-testid': 'shared-hand-over', disabled: '' }, 'Hand over');
    const form = publishForm({ publisher, subject: 'demo.shared.tab', payload: '{ "text": "hello from one of the tabs" }', confirmed: 'the leader’s bus accepted it', actions: [handOver] });
    root.append(h('div', { class: 'memory-grid' }, h('div', { class: 'column' }, form), h('div', { class: 'column' }, log.element)));

    const join = async (): Promise<void> => {
      const joined = await connectShared({ name: 'demo', via: 'leader-tab', host: () => hostNats(wsUrl), sharedWorker: () => new SharedWorker('about:blank'), signal });
      if (!(joined instanceof LeaderBus)) return;
      bus = joined;
      joined.connection.subscribe((snapshot) => {
        state.textContent = snapshot.state;
        rtt.textContent = snapshot.rttMs === undefined ? '–' : `${Math.round(snapshot.rttMs)} ms`;
        lastError.textContent = snapshot.state === 'connected' || snapshot.lastError === undefined ? '' : `(${describeError(snapshot.lastError).code})`;
        root.dataset['connection'] = snapshot.state;
      });
      joined.watchRole((now) => {
        role.textContent = now;
        leaders.textContent = String(joined.stats.leaders);
        root.dataset['role'] = now;
        handOver.disabled = now !== 'leader';
      });
      joined.subscribe(PATTERN, (message) => log.add(message), { signal });
    };
    // Leaves the election and joins again at the back of the line: the next tab leads.
    handOver.addEventListener('click', () => {
      handOver.disabled = true;
      const leaving = bus;
      bus = undefined;
      void leaving?.close().then(join);
    });
    await join().catch((error: unknown) => {
      const view = describeError(error);
      root.append(h('p', { class: 'error', role: 'alert' }, h('code', {}, view.code), ' ', view.message));
    });
  },
};
