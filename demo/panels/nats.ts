/**
 * The NATS panel: this page connects straight to the demo's nats-server over WebSocket and subscribes to
 * `demo.>`. Messages published here, in another tab, or by `node demo/publish.mjs` arrive live. The broker
 * buttons stop and start the server, so the connection status shows an outage and the recovery.
 * @module
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type { PublishOptions, Publisher } from '../../src/index.js';
import { connectNats, createNatsBus, watchConnection } from '../../src/nats/index.js';
import { createHttpClient } from '../../src/http/index.js';
import { controlBroker, loadDemoConfig } from '../components/demo-server.js';
import { followFeed } from '../components/http-feed.js';
import { describeError, h } from '../components/dom.js';
import { inspect } from '../components/inspect.js';
import { MessageLog } from '../components/message-log.js';
import { publishForm } from '../components/publish-form.js';
import type { DemoPanel } from './types.js';

type Connection = 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'unavailable';

const PATTERN = 'demo.>';
/** How long a publish waits for the server's answer to a flush before saying it was not confirmed. */
const CONFIRM_MS = 1500;

/** A core NATS publish the page knows did not reach the server (`code` is shown in the form's alert). */
class NotSentError extends Error {
  readonly code = 'not_sent';
}

/**
 * Core NATS is at-most-once, and nats-core does not keep publishes made while disconnected: they are
 * dropped silently. So the form says "published" only once the server answered a flush (one round trip,
 * which also proves it read the message before it), and says "not sent" when the connection is down.
 */
function confirmedPublisher(bus: Publisher, nc: NatsConnection, state: () => Connection): Publisher {
  const notSent = (why: string): NotSentError =>
    new NotSentError(`${why}: this message was not sent. Core NATS drops what is published while disconnected; the outbox panel shows publishing that survives an outage.`);
  return {
    async publish(subject: string, payload: unknown, options?: PublishOptions) {
      if (state() !== 'connected') throw notSent(`NATS is ${state()}`);
      await bus.publish(subject, payload, options);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const answered = await Promise.race([
        nc.flush().then(() => true, () => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CONFIRM_MS))),
      ]);
      clearTimeout(timer);
      if (!answered || state() !== 'connected') throw notSent(`the server did not confirm within ${CONFIRM_MS} ms (the connection dropped)`);
    },
  };
}

/**
 * Follows nats-core's status events until the connection closes. After a reconnect nats-core has sent
 * the subscriptions again; `connected` is shown once the server has them (a flush is one round trip).
 */
async function trackStatus(nc: NatsConnection, show: (state: Connection) => void): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === 'disconnect' || status.type === 'reconnecting') show('reconnecting');
    else if (status.type === 'reconnect') void nc.flush().then(() => show('connected'), () => undefined);
  }
}

/**
 * No nats-server: the same publish form and live log over the demo server's own isoflux HTTP endpoint, so a
 * message from another tab (or `node demo/publish.mjs`) still arrives live, through the server's feed.
 */
function mountEmbedded(root: HTMLElement, signal: AbortSignal): void {
  const client = createHttpClient(new URL('/__demo/bus/', location.href), { requestTimeoutMs: 3000 });
  inspect({ kind: 'bus', name: 'http', bus: client });
  const feedState = h('strong', { 'data-testid': 'embedded-status' }, 'connecting');
  const log = new MessageLog();
  const form = publishForm({ publisher: client, subject: 'demo.chat.tab', payload: '{ "text": "hello over HTTP" }', confirmed: 'the demo server has it' });
  root.dataset['embedded'] = 'http';
  root.append(
    h(
      'div',
      { class: 'memory-grid embedded' },
      h('div', { class: 'column' }, h('p', { class: 'counter' }, 'Embedded mode: isoflux/http to ', h('code', {}, '/__demo/bus/'), ' (subjects demo.chat.>) · feed ', feedState), form),
      h('div', { class: 'column' }, log.element),
    ),
  );
  void followFeed(signal, (message) => log.add(message), (up) => (feedState.textContent = up ? 'live' : 'retrying'));
}

export const natsPanel: DemoPanel = {
  id: 'nats',
  title: 'NATS over WebSocket',
  summary: 'The same bus API over a real nats-server, straight from this page: messages from other tabs and from Node (node demo/publish.mjs) arrive live.',
  async mount(root, signal) {
    const state = h('strong', { 'data-testid': 'nats-status' }, 'connecting');
    const server = h('code', { 'data-testid': 'nats-url' }, '…');
    const brokerNote = h('span', { class: 'status', 'data-testid': 'broker-status', 'aria-live': 'polite' });
    let current: Connection = 'connecting';
    const show = (next: Connection): void => {
      current = next;
      state.textContent = next;
      root.dataset['connection'] = next;
    };
    const head = h('p', { class: 'counter' }, 'Connection: ', state, ' · server ', server);
    root.append(head);

    const config = await loadDemoConfig();
    if (config.nats === null) {
      show('unavailable');
      server.textContent = 'none';
      root.append(h('p', { class: 'hint', 'data-testid': 'nats-hint' }, config.natsHint));
      mountEmbedded(root, signal);
      return;
    }
    const { wsUrl } = config.nats;
    server.textContent = wsUrl;

    const broker = (action: 'stop' | 'start'): HTMLButtonElement => {
      const button = h('button', { type: 'button', 'data-testid': `broker-${action}` }, action === 'stop' ? 'Stop broker' : 'Start broker');
      button.addEventListener('click', () => {
        button.disabled = true;
        brokerNote.textContent = action === 'stop' ? 'stopping nats-server…' : 'starting nats-server…';
        void controlBroker(action)
          .then((running) => {
            brokerNote.textContent = running ? 'nats-server running' : 'nats-server stopped: publishes made now are lost (NATS core is at-most-once)';
          })
          .catch((error: unknown) => (brokerNote.textContent = describeError(error).message))
          .finally(() => (button.disabled = false));
      });
      return button;
    };

    const log = new MessageLog();
    const controls = h('div', { class: 'column' }, h('div', { class: 'actions' }, broker('stop'), broker('start')), brokerNote);
    const left = h('div', { class: 'column' }, controls);
    root.append(h('div', { class: 'memory-grid' }, left, h('div', { class: 'column' }, log.element)));

    // waitOnFirstConnect: a page opened while the broker is down keeps trying instead of failing the panel
    const connecting = connectNats(wsUrl, { waitOnFirstConnect: true, reconnectTimeWait: 250, name: 'isoflux demo page' });
    signal.addEventListener('abort', () => void connecting.then((nc) => nc.close()).catch(() => undefined), { once: true });
    void connecting
      .then(async (nc) => {
        if (signal.aborted) return;
        const bus = createNatsBus(nc, { signal });
        inspect({ kind: 'bus', name: 'nats', bus });
        inspect({ kind: 'connection', connection: watchConnection(nc, { signal, rttIntervalMs: 5000 }) });
        void trackStatus(nc, show);
        void nc.closed().then(() => show('closed'));
        const publisher = confirmedPublisher(bus, nc, () => current);
        left.prepend(publishForm({ publisher, subject: 'demo.chat.tab', payload: '{ "text": "hello over NATS" }', confirmed: 'the server has it' }));
        // shown as connected once the server has the subscription, so nothing published after that is missed
        await bus.subscribe(PATTERN, (message) => log.add(message), { signal }).ready;
        show('connected');
      })
      .catch((error: unknown) => {
        if (signal.aborted) return;
        show('closed');
        const view = describeError(error);
        left.prepend(h('p', { class: 'error', role: 'alert' }, h('code', {}, view.code), ' ', view.message));
      });
  },
};
