/**
 * The durable outbox panel: publish into IndexedDB, watch one relay per origin drain it into a broker, take
 * the broker away and bring it back, reload or close the tab mid-drain, and see nothing lost: depth, retries,
 * in-flight, what the broker holds and dead letters, live.
 *
 * The broker is JetStream on the demo's nats-server when it runs one (`GET /__demo/config`), else the demo
 * server's own isoflux HTTP endpoint (`createHttpClient` → `createHttpHandler` in demo/serve.mjs), so the panel
 * works on a machine without nats-server. `?outbox=http` picks the HTTP endpoint, `?nats=ws://127.0.0.1:P`
 * another nats-server.
 * @module
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { isIsofluxError, type PublishOptions, type Publisher } from '../../src/index.js';
import { connectNats } from '../../src/nats/index.js';
import { createJetStreamPublisher, ensureStream } from '../../src/jetstream/index.js';
import { createHttpClient } from '../../src/http/index.js';
import { createOutbox, idbStore, type Outbox, type OutboxStatus } from '../../src/outbox/index.js';
import { controlBroker, controlHttpBus, loadBusStats, loadDemoConfig } from '../components/demo-server.js';
import { describeError, frameScheduler, h } from '../components/dom.js';
import { inspect } from '../components/inspect.js';
import type { DemoPanel } from './types.js';

const STREAM = 'DEMO_OUTBOX';
const SUBJECT = 'demo.outbox.orders';
/** No stream (and no HTTP subscription) captures this subject: every attempt fails, so it ends as a dead letter. */
const POISON = 'demo.nostream.poison';
/**
 * Demo-sized retry settings: a poison message reaches the dead letters in seconds, not the half minute of
 * production-like defaults. A broker outage does not use up attempts: the relay is paused while the broker
 * is unreachable (see {@link OutboxBroker.watch}).
 */
const MAX_ATTEMPTS = 4;
const backoff = (attempt: number): number => Math.min(2000, 250 * 2 ** Math.max(0, attempt - 1));
/** A JetStream publish with no stream behind its subject does not fail fast: it times out. Keep that short here. */
const JETSTREAM_TIMEOUT_MS = 1500;

/** Where the outbox delivers, and how the panel takes it away and brings it back. */
interface OutboxBroker {
  /** Shown in the panel: what the relay delivers to. */
  readonly describe: string;
  readonly target: Publisher;
  readonly takeAway: () => Promise<void>;
  readonly bringBack: () => Promise<void>;
  /** Messages the broker holds now (each id once), with duplicates it turned away when it counts them. */
  readonly held: () => Promise<{ stored: number; duplicates?: number } | undefined>;
  /** Calls `down` when the broker becomes unreachable and `up` when it is back. */
  readonly watch: (down: () => void, up: () => void) => void;
}

/** JetStream on a nats-server: connection state from nats-core's status events. */
function jetStreamBroker(url: string, signal: AbortSignal, fromDemo: boolean): OutboxBroker {
  let publisher: Publisher | undefined;
  let nc: NatsConnection | undefined;
  let connected = false;
  const listeners: Array<[() => void, () => void]> = [];
  const connecting = connectNats(url, { waitOnFirstConnect: true, reconnectTimeWait: 250, name: 'isoflux demo outbox' });
  signal.addEventListener('abort', () => void connecting.then((c) => c.close()).catch(() => undefined), { once: true });
  void connecting.then(async (connection) => {
    nc = connection;
    if (signal.aborted) return;
    await ensureStream(connection, { name: STREAM, subjects: ['demo.outbox.>'] });
    publisher = createJetStreamPublisher(connection, { requestTimeoutMs: JETSTREAM_TIMEOUT_MS });
    connected = true;
    for (const [, up] of listeners) up();
    for await (const s of connection.status()) {
      if (s.type === 'disconnect') {
        connected = false;
        for (const [down] of listeners) down();
      } else if (s.type === 'reconnect') {
        connected = true;
        for (const [, up] of listeners) up();
      }
    }
  }, () => undefined);
  return {
    describe: `JetStream stream ${STREAM} on ${url}`,
    target: {
      async publish(subject: string, payload: unknown, options?: PublishOptions) {
        if (publisher === undefined || !connected || nc?.isClosed()) throw new Error('not connected to NATS: the entry stays in IndexedDB');
        await publisher.publish(subject, payload, options);
      },
    },
    takeAway: async () => {
      if (!fromDemo) throw new Error('this nats-server came from ?nats=: stop it yourself');
      await controlBroker('stop');
    },
    bringBack: async () => {
      if (!fromDemo) throw new Error('this nats-server came from ?nats=: start it yourself');
      await controlBroker('start');
    },
    held: async () => {
      if (nc === undefined || !connected) return undefined;
      const info = await (await jetstreamManager(nc)).streams.info(STREAM);
      return { stored: info.state.messages };
    },
    watch: (down, up) => {
      listeners.push([down, up]);
      // not connected yet: the relay waits instead of spending attempts on "not connected"
      if (!connected) down();
    },
  };
}

/** An HTTP 503 or a refused connection: the embedded broker is away (a 404 for the poison message is not). */
function unreachable(error: unknown): boolean {
  if (!isIsofluxError(error)) return false;
  if (error.code === 'connection_failed') return true;
  return error.code === 'remote_error' && (error as { remoteCode?: string }).remoteCode === 'unavailable';
}

/** The demo server's own isoflux HTTP endpoint: reachability learnt from failed posts, recovery by polling. */
function httpBroker(signal: AbortSignal): OutboxBroker {
  const client = createHttpClient(new URL('/__demo/bus/', location.href), { requestTimeoutMs: 3000 });
  let listener: [() => void, () => void] | undefined;
  let polling = false;
  const pollUntilBack = async (): Promise<void> => {
    if (polling) return;
    polling = true;
    try {
      while (!signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const up = await loadBusStats().then((s) => s.running, () => false);
        if (up) return listener?.[1]();
      }
    } finally {
      polling = false;
    }
  };
  return {
    describe: 'the demo server’s HTTP endpoint (isoflux/http) at /__demo/bus/',
    target: {
      async publish(subject: string, payload: unknown, options?: PublishOptions) {
        try {
          await client.publish(subject, payload, options);
        } catch (error) {
          if (unreachable(error)) {
            listener?.[0]();
            void pollUntilBack();
          }
          throw error;
        }
      },
    },
    takeAway: async () => {
      await controlHttpBus('stop');
      listener?.[0]();
      void pollUntilBack();
    },
    bringBack: async () => {
      await controlHttpBus('start');
    },
    held: async () => {
      const stats = await loadBusStats();
      return { stored: stats.stored, duplicates: stats.duplicates };
    },
    watch: (down, up) => {
      listener = [down, up];
      up(); // reachable until a post says otherwise
    },
  };
}

async function chooseBroker(signal: AbortSignal): Promise<OutboxBroker> {
  const query = new URLSearchParams(location.search);
  const nats = query.get('nats');
  if (nats) return jetStreamBroker(nats, signal, false);
  if (query.get('outbox') === 'http') return httpBroker(signal);
  const config = await loadDemoConfig();
  return config.nats === null ? httpBroker(signal) : jetStreamBroker(config.nats.wsUrl, signal, true);
}

const FIELDS: ReadonlyArray<[keyof OutboxStatus | 'held', string]> = [
  ['relay', 'relay in this tab'],
  ['depth', 'waiting (all tabs)'],
  ['oldestAgeMs', 'oldest waiting'],
  ['inFlight', 'in flight'],
  ['delivered', 'delivered by this tab'],
  ['retried', 'retries'],
  ['deadLetters', 'dead letters'],
  ['held', 'at the broker'],
];

function formatAge(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Follows one poison message through its attempts, from the relay's status events (each failure is a new `lastError`). */
class PoisonTracker {
  readonly element = h('p', { class: 'poison', 'data-testid': 'outbox-poison-progress', hidden: '' });
  #active = false;
  #attempts = 0;
  #lastAt = 0;
  #deadLetteredBefore = 0;

  start(status: OutboxStatus): void {
    this.#active = true;
    this.#attempts = 0;
    this.#lastAt = status.lastError?.at ?? 0;
    this.#deadLetteredBefore = status.deadLettered;
    this.element.hidden = false;
    this.element.dataset['state'] = 'retrying';
    this.element.textContent = `poison message stored; attempt 1 of ${MAX_ATTEMPTS} on its way…`;
  }

  update(status: OutboxStatus): void {
    if (!this.#active) return;
    const error = status.lastError;
    if (error !== undefined && error.subject === POISON && error.at > this.#lastAt) {
      this.#lastAt = error.at;
      this.#attempts++;
    }
    if (status.deadLettered > this.#deadLetteredBefore) {
      this.#active = false;
      this.element.dataset['state'] = 'dead-lettered';
      this.element.textContent = `poison message: ${MAX_ATTEMPTS} attempts failed (${error?.code ?? 'error'}), moved to the dead letters; the other messages kept flowing.`;
      return;
    }
    if (this.#attempts === 0) return;
    const wait = backoff(this.#attempts);
    this.element.textContent = `poison message: attempt ${this.#attempts} of ${MAX_ATTEMPTS} failed (${error?.code ?? 'error'}); next try in about ${wait} ms.`;
  }
}

function mountControls(outbox: Outbox, broker: OutboxBroker, note: HTMLElement, render: () => void, poison: PoisonTracker): HTMLElement {
  let published = 0;
  const button = (label: string, testid: string, action: () => Promise<unknown>, primary = false): HTMLButtonElement => {
    const b = h('button', { type: 'button', 'data-testid': testid, ...(primary ? { class: 'primary' } : {}) }, label);
    b.addEventListener('click', () => {
      note.textContent = '';
      b.disabled = true;
      action()
        .then(render, (error: unknown) => (note.textContent = `${describeError(error).code}: ${describeError(error).message}`))
        .finally(() => (b.disabled = false));
    });
    return b;
  };
  const publish = (n: number) => async () => {
    await Promise.all(Array.from({ length: n }, () => outbox.publish(SUBJECT, { order: ++published, at: new Date().toISOString() })));
    note.textContent = `${n === 1 ? '1 message' : `${n.toLocaleString('en')} messages`} stored in IndexedDB; the relay delivers from there.`;
  };
  const group = (title: string, ...buttons: HTMLButtonElement[]) => h('div', { class: 'button-group' }, h('span', { class: 'group-title' }, title), h('div', { class: 'actions' }, ...buttons));
  return h(
    'div',
    { class: 'outbox-controls' },
    group(
      'Publish',
      button('Publish 1', 'outbox-publish-1', publish(1), true),
      button('Publish 1,000', 'outbox-publish-1000', publish(1000)),
      button('Publish a poison message', 'outbox-poison', async () => {
        poison.start(outbox.status);
        await outbox.publish(POISON, { poison: true });
      }),
    ),
    group(
      'Broker',
      button('Take the broker away', 'outbox-broker-stop', async () => {
        await broker.takeAway();
        note.textContent = 'broker taken away: new messages wait safely in IndexedDB (the relay pauses instead of using up attempts).';
      }),
      button('Bring it back', 'outbox-broker-start', async () => {
        await broker.bringBack();
        note.textContent = 'broker back: the relay resumes and drains.';
      }),
    ),
    group(
      'Dead letters',
      button('Retry dead letters', 'outbox-retry', () => outbox.deadLetters.retry()),
      button('Discard dead letters', 'outbox-discard', () => outbox.deadLetters.discard()),
    ),
  );
}

export const outboxPanel: DemoPanel = {
  id: 'outbox',
  title: 'Durable outbox (IndexedDB → broker)',
  summary: 'Publishing resolves once the message is in IndexedDB; one tab relays it to the broker. Take the broker away, reload, close tabs: nothing is lost.',
  async mount(root, signal) {
    const broker = await chooseBroker(signal);
    let brokerDown = false;
    /** False until the broker was reachable once (before that, "down" means still connecting). */
    let everUp = false;
    const outbox = createOutbox({
      store: idbStore({ database: 'isoflux-demo-outbox' }),
      target: broker.target,
      relay: { maxAttempts: MAX_ATTEMPTS, backoff, requestTimeoutMs: 2 * JETSTREAM_TIMEOUT_MS },
      statusIntervalMs: 250,
      signal,
    });
    inspect({ kind: 'outbox', outbox });
    inspect({ kind: 'bus', name: 'outbox', bus: outbox });
    const cells = new Map(FIELDS.map(([key]) => [key, h('dd', { 'data-testid': `outbox-${key}` }, '–')]));
    const lastError = h('p', { class: 'status', 'data-testid': 'outbox-last-error' });
    const brokerState = h('strong', { 'data-testid': 'outbox-broker-state' }, 'connecting');
    const letters = h('ol', { class: 'log-rows dead-letters', 'data-testid': 'outbox-dead-letters' });
    const lettersEmpty = h('p', { class: 'log-empty' }, 'None: every message was delivered or is still waiting.');
    const note = h('p', { class: 'status', 'data-testid': 'outbox-note', 'aria-live': 'polite' });
    const drain = h('div', { class: 'drain-fill' });
    const drainBar = h('div', { class: 'drain', title: 'waiting messages', 'data-testid': 'outbox-drain' }, drain);
    const poison = new PoisonTracker();
    let peakDepth = 0;
    let held: string = '–';

    const render = frameScheduler(() => {
      const status = outbox.status;
      for (const [key, cell] of cells) {
        if (key === 'held') cell.textContent = held;
        else if (key === 'oldestAgeMs') cell.textContent = formatAge(status.oldestAgeMs);
        else cell.textContent = String(status[key] ?? '–');
      }
      cells.get('deadLetters')?.classList.toggle('bad', status.deadLetters > 0);
      cells.get('relay')?.classList.toggle('warn', status.relay !== 'relaying');
      peakDepth = status.depth === 0 ? 0 : Math.max(peakDepth, status.depth);
      drain.style.width = peakDepth === 0 ? '0%' : `${(100 * status.depth) / peakDepth}%`;
      brokerState.textContent = brokerDown ? 'unreachable: the relay is paused, messages wait in IndexedDB' : 'reachable';
      if (brokerDown && !everUp) brokerState.textContent = 'connecting: the relay waits, messages wait in IndexedDB';
      root.dataset['broker'] = brokerDown ? 'down' : 'up';
      lastError.textContent = status.lastError ? `last error: ${status.lastError.code ?? 'error'} on ${status.lastError.subject} — ${status.lastError.message}` : '';
      poison.update(status);
    });
    outbox.onStatus(render);

    // after render exists: a broker that is not connected yet says so at once
    broker.watch(
      () => {
        brokerDown = true;
        outbox.pause();
        render();
      },
      () => {
        brokerDown = false;
        everUp = true;
        outbox.resume();
        render();
      },
    );


    // what the broker holds, read at most twice a second while the status changes; a change that comes
    // while a read is under way asks for one more read after it, so the last figure is never a stale one
    let heldRead: Promise<void> | undefined;
    let heldStale = false;
    const refreshHeld = (): void => {
      if (heldRead !== undefined) {
        heldStale = true;
        return;
      }
      heldStale = false;
      heldRead = broker
        .held()
        .then((h) => void (held = h === undefined ? '–' : `${h.stored}${h.duplicates ? ` (+${h.duplicates} dup.)` : ''}`), () => undefined)
        .then(() => new Promise((resolve) => setTimeout(resolve, 500)))
        .then(() => {
          heldRead = undefined;
          render();
          if (heldStale) refreshHeld();
        });
    };
    const refreshLetters = async (): Promise<void> => {
      const list = await outbox.deadLetters.list(20);
      letters.replaceChildren(
        ...list.map((l) =>
          h('li', { 'data-testid': 'dead-letter' }, h('span', { class: 'subject' }, l.subject), h('span', {}, `#${l.seq}`), h('span', { class: 'payload' }, `${l.reason} after ${l.attempts} attempt(s) · ${l.errorCode ?? 'error'}`)),
        ),
      );
      letters.parentElement?.classList.toggle('has-rows', list.length > 0);
    };
    outbox.onStatus(() => {
      refreshHeld();
      void refreshLetters();
    });

    root.append(
      h('p', { class: 'counter' }, 'Relays to ', h('code', { 'data-testid': 'outbox-target' }, broker.describe), ' · broker ', brokerState),
      mountControls(outbox, broker, note, render, poison),
      note,
      h('dl', { class: 'stat-grid outbox-status' }, ...FIELDS.flatMap(([key, label]) => [h('div', { class: 'stat' }, h('dt', {}, label), cells.get(key) as HTMLElement)])),
      drainBar,
      poison.element,
      lastError,
      h('div', { class: 'log' }, h('div', { class: 'log-head' }, h('strong', {}, 'Dead letters'), ' (kept with their last error; retry puts them back in the queue)'), letters, lettersEmpty),
      h('p', { class: 'hint' }, 'Open a second tab: only one relays (Web Locks); close it and the other takes over. Reload in the middle of a drain: nothing is lost, and the broker keeps each message id once.'),
    );
    await outbox.refreshStatus();
    render();
    refreshHeld();
    void refreshLetters();
  },
};
