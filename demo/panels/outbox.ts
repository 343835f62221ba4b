/**
 * The durable outbox panel: publish into IndexedDB, watch one relay per origin drain it into JetStream, take
 * the broker away and bring it back, reload or close the tab mid-drain, and see nothing lost: depth, retries,
 * in-flight and dead letters live. The broker comes from the demo server (`GET /__demo/config`, and
 * `POST /__demo/broker/stop|start` to take it away and bring it back) or from `?nats=ws://127.0.0.1:P`.
 * @module
 */
import { controlBroker, loadDemoConfig } from '../components/demo-server.js';
import type { NatsConnection } from '@nats-io/nats-core';
import type { PublishOptions, Publisher } from '../../src/index.js';
import { connectNats } from '../../src/nats/index.js';
import { createJetStreamPublisher, ensureStream } from '../../src/jetstream/index.js';
import { createOutbox, idbStore, type OutboxStatus } from '../../src/outbox/index.js';
import { describeError, frameScheduler, h } from '../components/dom.js';
import type { DemoPanel } from './types.js';

const STREAM = 'DEMO_OUTBOX';
const SUBJECT = 'demo.outbox.orders';
/** No stream captures this subject: JetStream answers no_responders every time, so it ends as a dead letter. */
const POISON = 'demo.nostream.poison';

async function brokerUrl(): Promise<string | undefined> {
  const fromQuery = new URLSearchParams(location.search).get('nats');
  if (fromQuery) return fromQuery;
  try {
    return (await loadDemoConfig()).nats?.wsUrl;
  } catch {
    return undefined;
  }
}

/** Delivers through JetStream once connected; until then fails fast, so the relay backs off and retries. */
function jetStreamTarget(url: string | undefined, signal: AbortSignal, onConnect: () => void): Publisher {
  let publisher: Publisher | undefined;
  let nc: NatsConnection | undefined;
  if (url !== undefined) {
    void connectNats(url, { waitOnFirstConnect: true, reconnectTimeWait: 500 }).then(async (connection) => {
      nc = connection;
      if (signal.aborted) return void connection.close();
      signal.addEventListener('abort', () => void connection.close(), { once: true });
      await ensureStream(connection, { name: STREAM, subjects: ['demo.outbox.>'] });
      publisher = createJetStreamPublisher(connection);
      onConnect();
      for await (const s of connection.status()) if (s.type === 'reconnect') onConnect();
    });
  }
  return {
    async publish(subject: string, payload: unknown, options?: PublishOptions) {
      if (publisher === undefined || nc?.isClosed()) throw new Error(url === undefined ? 'no broker configured for the demo' : 'not connected to NATS yet');
      await publisher.publish(subject, payload, options);
    },
  };
}

const FIELDS: ReadonlyArray<[keyof OutboxStatus, string]> = [
  ['relay', 'relay in this tab'],
  ['depth', 'waiting (all tabs)'],
  ['oldestAgeMs', 'oldest waiting (ms)'],
  ['inFlight', 'in flight'],
  ['delivered', 'delivered by this tab'],
  ['retried', 'retries'],
  ['deadLetters', 'dead letters'],
];

export const outboxPanel: DemoPanel = {
  id: 'outbox',
  title: 'Durable outbox (IndexedDB → JetStream)',
  summary: 'Publishing resolves once the message is in IndexedDB; one tab relays to JetStream. Stop the broker, reload, close tabs: nothing is lost.',
  async mount(root, signal) {
    const url = await brokerUrl();
    const outbox = createOutbox({
      store: idbStore({ database: 'isoflux-demo-outbox' }),
      target: jetStreamTarget(url, signal, () => outbox.resume()),
      relay: { maxAttempts: 5, backoff: (n) => Math.min(5000, 250 * 2 ** n) },
      statusIntervalMs: 250,
      signal,
    });
    let published = 0;

    const cells = new Map(FIELDS.map(([key]) => [key, h('dd', { 'data-testid': `outbox-${key}` }, '–')]));
    const lastError = h('p', { class: 'status', 'data-testid': 'outbox-last-error' });
    const letters = h('ul', { class: 'dead-letters', 'data-testid': 'outbox-dead-letters' });
    const note = h('p', { class: 'status', 'aria-live': 'polite' });

    const render = frameScheduler(() => {
      const status = outbox.status;
      for (const [key, cell] of cells) cell.textContent = String(status[key] ?? '–');
      lastError.textContent = status.lastError ? `last error: ${status.lastError.code ?? 'error'} — ${status.lastError.message}` : '';
    });
    outbox.onStatus(render);
    const refreshLetters = async (): Promise<void> => {
      const list = await outbox.deadLetters.list(20);
      letters.replaceChildren(...list.map((l) => h('li', {}, `${l.subject} #${l.seq}: ${l.reason} after ${l.attempts} attempt(s) (${l.errorCode ?? 'error'})`)));
    };
    outbox.onStatus(() => void refreshLetters());

    const button = (label: string, testid: string, action: () => Promise<unknown>): HTMLButtonElement => {
      const b = h('button', { type: 'button', 'data-testid': testid }, label);
      b.addEventListener('click', () => {
        note.textContent = '';
        action().then(render, (error: unknown) => (note.textContent = `${describeError(error).code}: ${describeError(error).message}`));
      });
      return b;
    };
    const publish = (n: number) => () => Promise.all(Array.from({ length: n }, () => outbox.publish(SUBJECT, { order: ++published, at: new Date().toISOString() })));
    const broker = (action: 'stop' | 'start') => async () => {
      const running = await controlBroker(action);
      note.textContent = running ? 'broker started: the relay reconnects and drains' : 'broker stopped: new messages wait safely in IndexedDB';
    };

    root.append(
      h(
        'div',
        { class: 'column' },
        h(
          'div',
          { class: 'actions' },
          button('Publish 1', 'outbox-publish-1', publish(1)),
          button('Publish 1,000', 'outbox-publish-1000', publish(1000)),
          button('Publish a poison message', 'outbox-poison', () => outbox.publish(POISON, { poison: true })),
          button('Take the broker away', 'outbox-broker-stop', broker('stop')),
          button('Bring it back', 'outbox-broker-start', broker('start')),
          button('Retry dead letters', 'outbox-retry', () => outbox.deadLetters.retry()),
          button('Discard dead letters', 'outbox-discard', () => outbox.deadLetters.discard()),
        ),
        note,
        h('dl', { class: 'outbox-status' }, ...FIELDS.flatMap(([key, label]) => [h('dt', {}, label), cells.get(key) as HTMLElement])),
        lastError,
        h('h3', {}, 'Dead letters'),
        letters,
        h(
          'p',
          { class: 'hint' },
          url === undefined ? 'No broker: messages stay safely in IndexedDB until one is configured (?nats=ws://…). ' : `Relaying to ${url}, stream ${STREAM}. `,
          'Open a second tab: only one relays (Web Locks); close it and the other takes over. Reload mid-drain: nothing is lost or sent twice.',
        ),
      ),
    );
    void outbox.refreshStatus().then(render);
    void refreshLetters();
  },
};
