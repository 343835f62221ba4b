/**
 * `mountInspector`: the live inspector, drawn into any element of any app. It taps the buses it is given,
 * watches subscriptions, an outbox and a connection, reads the cross-tab queue-group leaders from Web
 * Locks, and redraws its pictures a few times a second. A development tool: mount it behind a dev-only
 * check (`if (import.meta.env.DEV)`) with a dynamic `import('isoflux/inspector')`, and production builds
 * carry none of it.
 * @module
 */
import { TAP, tap, type Tappable } from '../core/wiretap.js';
import { readQueueLeaders, type LockQueryLike, type QueueLeader } from './leaders.js';
import { FlowModel, type ConnectionSample, type OutboxSample } from './model.js';
import { INSPECTOR_CSS } from './style.js';
import { html } from './svg.js';
import { connectionView, outboxView } from './time-views.js';
import { leadersView, subjectsView, subscribersView, type WatchedSubscription } from './views.js';

/** What the inspector reads of an outbox (an isoflux `Outbox` is one). */
export interface InspectedOutbox {
  readonly status: { readonly depth: number; readonly oldestAgeMs: number | undefined; readonly deadLetters: number; readonly relay: string };
  onStatus(listener: (status: InspectedOutbox['status']) => void): () => void;
}

/** What the inspector reads of a connection (`watchConnection(nc)` of isoflux/nats is one). */
export interface InspectedConnection {
  subscribe(listener: (snapshot: { readonly state: string; readonly rttMs: number | undefined }) => void): () => void;
}

/** Options of {@link mountInspector}. Everything can also be added later on the returned {@link Inspector}. */
export interface InspectorOptions {
  /** The buses to tap, by the name shown for them (every isoflux bus is {@link Tappable}; others are listed as untapped). */
  buses?: Readonly<Record<string, Tappable | object>>;
  /** Subscriptions whose buffer fill to draw. */
  subscriptions?: readonly WatchedSubscription[];
  outbox?: InspectedOutbox;
  connection?: InspectedConnection;
  /** Where to read queue-group leaders; `navigator.locks` by default, `null` for none. */
  locks?: LockQueryLike | null;
  /** The time the charts span (default 60 000 ms). */
  windowMs?: number;
  /** One bar of the subjects chart (default 1000 ms). */
  bucketMs?: number;
  /** How often to redraw (default 500 ms). */
  refreshMs?: number;
  /** Unmounts when aborted. */
  signal?: AbortSignal;
}

/**
 * Draws the message flow into `element` (in its own shadow root, so the app's CSS does not touch it):
 *
 * ```ts
 * if (import.meta.env.DEV) {
 *   const { mountInspector } = await import('isoflux/inspector');
 *   mountInspector(document.body, { buses: { app: bus }, outbox, connection: watchConnection(nc) });
 * }
 * ```
 */
export function mountInspector(element: HTMLElement, options: InspectorOptions = {}): Inspector {
  return new Inspector(element, options);
}

/** A mounted inspector. Made by {@link mountInspector}. */
export class Inspector {
  /** The element the inspector drew itself into (`data-isoflux-inspector`). */
  readonly host: HTMLElement;
  readonly model: FlowModel;
  readonly #root: HTMLElement;
  readonly #stops: Array<() => void> = [];
  readonly #subscriptions: WatchedSubscription[] = [];
  readonly #localIds = new Set<string>();
  readonly #untapped = new Set<string>();
  /** The highest buffer fill seen per subscriber row. */
  readonly #peaks = new Map<string, number>();
  readonly #locks: LockQueryLike | undefined;
  #outbox: InspectedOutbox | undefined;
  #outboxSeen: { status: InspectedOutbox['status']; at: number } | undefined;
  #leaders: QueueLeader[] = [];
  #reading = false;
  readonly #timer: ReturnType<typeof setInterval>;
  #closed = false;

  constructor(element: HTMLElement, options: InspectorOptions) {
    this.model = new FlowModel({ windowMs: options.windowMs ?? 60_000, bucketMs: options.bucketMs ?? 1000 });
    this.host = html('div', { 'data-isoflux-inspector': '' });
    const shadow = this.host.attachShadow({ mode: 'open' });
    shadow.append(html('style', {}, INSPECTOR_CSS), (this.#root = html('div', { class: 'if-root' })));
    element.append(this.host);
    this.#locks = options.locks === null ? undefined : (options.locks ?? (globalThis.navigator as { locks?: LockQueryLike } | undefined)?.locks);
    for (const [name, bus] of Object.entries(options.buses ?? {})) this.add(name, bus);
    for (const watched of options.subscriptions ?? []) this.watchSubscription(watched);
    if (options.outbox !== undefined) this.watchOutbox(options.outbox);
    if (options.connection !== undefined) this.watchConnection(options.connection);
    this.#timer = setInterval(() => this.refresh(), options.refreshMs ?? 500);
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
    this.refresh();
  }

  /**
   * Taps `bus` under `name`. A bus with an `id` (a broadcast bus) marks its tab's queue-group leads as "this
   * tab". An object that cannot be tapped is named in the header as untapped, not an error: the inspector is
   * a debugging aid and must not break the app it inspects.
   */
  add(name: string, bus: Tappable | object): this {
    const id = (bus as { id?: unknown }).id;
    if (typeof id === 'string') this.#localIds.add(id);
    if (TAP in bus) this.#stops.push(tap(bus as Tappable, (event) => this.model.record(name, event)));
    else this.#untapped.add(name);
    return this;
  }

  /** Draws the buffer fill of a subscription. */
  watchSubscription(watched: WatchedSubscription): this {
    this.#subscriptions.push(watched);
    return this;
  }

  /** Draws an outbox's depth and oldest age over time. */
  watchOutbox(outbox: InspectedOutbox): this {
    this.#outbox = outbox;
    this.#outboxSeen = { status: outbox.status, at: Date.now() };
    this.#stops.push(outbox.onStatus((status) => (this.#outboxSeen = { status, at: Date.now() })));
    return this;
  }

  /** Draws a connection's state over time. */
  watchConnection(connection: InspectedConnection): this {
    this.#stops.push(connection.subscribe((s) => this.model.connection.add(Date.now(), { state: s.state, rttMs: s.rttMs } satisfies ConnectionSample)));
    return this;
  }

  /** Redraws now (the timer does it every `refreshMs`). */
  refresh(): void {
    if (this.#closed) return;
    const now = Date.now();
    this.#sampleOutbox(now);
    void this.#readLeaders();
    const kinds = [...this.model.kinds].map(([kind, n]) => `${kind} ${n}`).join(' · ');
    this.#root.replaceChildren(
      html(
        'div',
        { class: 'if-head' },
        html('h2', {}, 'isoflux inspector'),
        html('span', { class: 'if-kinds', 'data-kinds': kinds }, kinds === '' ? 'no events yet' : kinds),
        ...this.#untappedNote(),
      ),
      subjectsView(this.model, now),
      subscribersView(this.model, this.#subscriptions, this.#peaks),
      leadersView(this.#leaders, this.#localIds),
      outboxView(this.model, now),
      connectionView(this.model, now),
    );
    this.host.dataset['refreshedAt'] = String(now);
  }

  /** Names the buses that could not be tapped (a transport not yet wired to the wiretap). */
  #untappedNote(): HTMLElement[] {
    if (this.#untapped.size === 0) return [];
    const names = [...this.#untapped].join(', ');
    return [
      html(
        'span',
        { class: 'if-untapped', 'data-untapped': names, title: 'these buses have no wiretap: their messages are not counted' },
        `not tapped: ${names}`,
      ),
    ];
  }

  #sampleOutbox(now: number): void {
    if (this.#outbox === undefined || this.#outboxSeen === undefined) return;
    const { status, at } = this.#outboxSeen;
    // the age keeps growing between status events: extrapolate it from the last one
    const oldestAgeMs = status.oldestAgeMs === undefined || status.depth === 0 ? 0 : status.oldestAgeMs + (now - at);
    const sample: OutboxSample = { depth: status.depth, oldestAgeMs, deadLetters: status.deadLetters, relay: status.relay };
    this.model.outbox.add(now, sample);
  }

  async #readLeaders(): Promise<void> {
    if (this.#locks === undefined || this.#reading) return;
    this.#reading = true;
    try {
      this.#leaders = await readQueueLeaders(this.#locks);
    } catch {
      this.#leaders = [];
    } finally {
      this.#reading = false;
    }
  }

  /** Stops tapping and watching, and removes the inspector from the page. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    for (const stop of this.#stops.splice(0)) stop();
    this.host.remove();
  }
}
