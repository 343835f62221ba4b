/**
 * The inspector mounted in a real page: what it draws follows the tap events, the watched subscription's
 * buffer, a real outbox's status and a connection's state changes; every row's figures are in its data
 * attributes. Screenshots of the whole demo: test/e2e/demo-inspector.spec.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TAP, Taps, tapClock, type TapEvent, type Tappable } from '../../src/core/wiretap.js';
import { createMemoryBus } from '../../src/memory/index.js';
import { createOutbox, memoryStore } from '../../src/outbox/index.js';
import { mountInspector, type InspectedConnection, type Inspector } from '../../src/inspector/index.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A tappable bus whose events the test emits itself (the wiretap API is the inspector's only input from a bus). */
function tappable(): Tappable & { emit(e: Omit<TapEvent, 'at' | 'system' | 'id'>): void } {
  const taps = new Taps();
  return { [TAP]: taps, emit: (e) => taps.emit({ system: 'memory', id: undefined, at: tapClock(), ...e }) };
}

function mount(options: Parameters<typeof mountInspector>[1]): { inspector: Inspector; root: ShadowRoot } {
  const element = document.createElement('div');
  document.body.append(element);
  const inspector = mountInspector(element, { locks: null, refreshMs: 60_000, ...options });
  cleanup.push(() => (inspector.close(), element.remove()));
  return { inspector, root: inspector.host.shadowRoot as ShadowRoot };
}

const rows = (root: ShadowRoot, section: string): SVGGElement[] => [...root.querySelectorAll<SVGGElement>(`[data-section="${section}"] .if-row`)];

describe('the inspector', () => {
  it('draws messages per subject, busiest first, and each subscriber’s deliveries and drops', () => {
    const bus = tappable();
    const { inspector, root } = mount({ buses: { app: bus } });
    for (let i = 0; i < 4; i++) bus.emit({ kind: 'published', subject: 'orders.created' });
    bus.emit({ kind: 'published', subject: 'orders.paid' });
    bus.emit({ kind: 'delivered', subject: 'orders.created', pattern: 'orders.>' });
    bus.emit({ kind: 'dropped', subject: 'orders.created', pattern: 'orders.>', reason: 'overflow' });
    inspector.refresh();
    expect(rows(root, 'subjects').map((r) => [r.dataset['subject'], r.dataset['inWindow']])).toEqual([
      ['orders.created', '4'],
      ['orders.paid', '1'],
    ]);
    expect(rows(root, 'subjects')[0]!.querySelectorAll('.if-bars rect').length).toBeGreaterThan(0);
    const [sub] = rows(root, 'subscribers');
    expect(sub!.dataset).toMatchObject({ bus: 'app', pattern: 'orders.>', delivered: '1', dropped: '1' });
    expect(sub!.textContent).toContain('overflow 1');
  });

  it('taps a real memory bus: its publishes per subject and its subscriber’s deliveries', async () => {
    const bus = createMemoryBus();
    cleanup.push(() => bus.close());
    const { inspector, root } = mount({ buses: { mem: bus } });
    let handled = 0;
    await bus.subscribe('orders.*', () => void handled++).ready;
    for (let i = 0; i < 3; i++) await bus.publish('orders.created', { i });
    await bus.publish('orders.paid', {});
    await expect.poll(() => handled).toBe(4);
    inspector.refresh();
    expect(rows(root, 'subjects').map((r) => [r.dataset['bus'], r.dataset['subject'], r.dataset['inWindow']])).toEqual([
      ['mem', 'orders.created', '3'],
      ['mem', 'orders.paid', '1'],
    ]);
    expect(rows(root, 'subscribers')[0]!.dataset).toMatchObject({ bus: 'mem', pattern: 'orders.*', delivered: '4', dropped: '0' });
  });

  it('draws a watched subscription’s buffer fill from its live stats', async () => {
    const bus = createMemoryBus();
    cleanup.push(() => bus.close());
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const subscription = bus.subscribe('work.*', () => gate, { bufferSize: 4, overflow: 'drop-newest' });
    const { inspector, root } = mount({ subscriptions: [{ bus: 'mem', subscription, bufferSize: 4 }] });
    for (let i = 0; i < 8; i++) await bus.publish('work.item', i);
    inspector.refresh();
    const [row] = rows(root, 'subscribers');
    // one in the handler, four buffered, three dropped
    expect(row!.dataset).toMatchObject({ pattern: 'work.*', pending: '4', bufferSize: '4', dropped: '3' });
    expect(Number(row!.querySelector('.if-fill')?.getAttribute('width'))).toBeGreaterThan(100);
    expect(row!.querySelector('.if-fill')?.classList.contains('if-hot')).toBe(true);
    release();
    // drained: the fill is back to zero, the peak stays drawn
    await expect.poll(() => subscription.stats.pending).toBe(0);
    inspector.refresh();
    expect(rows(root, 'subscribers')[0]!.dataset).toMatchObject({ pending: '0', peak: '4' });
    expect(rows(root, 'subscribers')[0]!.querySelector('.if-peak')).not.toBeNull();
    expect(rows(root, 'subscribers')[0]!.textContent).toContain('0/4 · peak 4');
  });

  it('says what is above a block subscription’s buffer: publishers waiting', async () => {
    const bus = createMemoryBus();
    cleanup.push(() => bus.close());
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const subscription = bus.subscribe('work.*', () => gate, { bufferSize: 2, overflow: 'block' });
    const { inspector, root } = mount({ subscriptions: [{ bus: 'mem', subscription, bufferSize: 2 }] });
    const published = Array.from({ length: 6 }, (_, i) => bus.publish('work.item', i));
    await expect.poll(() => subscription.stats.pending).toBe(5); // one in the handler, two buffered, three publishers blocked
    inspector.refresh();
    expect(rows(root, 'subscribers')[0]!.textContent).toContain('2+3/2');
    expect(rows(root, 'subscribers')[0]!.textContent).toContain('the buffer full and 3 publishers waiting');
    release();
    await Promise.all(published);
  });

  it('draws a real outbox’s depth and a connection’s state over time', async () => {
    const outbox = createOutbox({ store: memoryStore() });
    cleanup.push(() => outbox.close());
    let emit!: (s: { state: string; rttMs: number | undefined }) => void;
    const connection: InspectedConnection = { subscribe: (l) => ((emit = l), l({ state: 'connecting', rttMs: undefined }), () => undefined) };
    const { inspector, root } = mount({ outbox, connection });
    for (let i = 0; i < 3; i++) await outbox.publish('orders.created', { i });
    await outbox.refreshStatus();
    emit({ state: 'connected', rttMs: 3 });
    emit({ state: 'connected', rttMs: 5 }); // a new round trip is not a new state
    emit({ state: 'reconnecting', rttMs: 5 });
    inspector.refresh();
    const chart = root.querySelector<SVGElement>('[data-section="outbox"] svg')!;
    expect(chart.dataset).toMatchObject({ depth: '3', deadLetters: '0', relay: 'none' });
    expect(chart.querySelector('.if-depth')?.getAttribute('d')).toMatch(/^M/);
    const band = root.querySelector<SVGElement>('[data-section="connection"] svg')!;
    expect(band.dataset).toMatchObject({ state: 'reconnecting', changes: '3' });
    expect([...band.querySelectorAll('[data-state]')].map((r) => r.getAttribute('data-state'))).toEqual(['connecting', 'connected', 'reconnecting']);
  });

  it('names a bus it cannot tap instead of failing', () => {
    const { root } = mount({ buses: { plain: { publish: () => Promise.resolve() }, app: tappable() } });
    expect(root.querySelector('[data-untapped]')?.getAttribute('data-untapped')).toBe('plain');
  });

  it('stops tapping at close and leaves the page', () => {
    const bus = tappable();
    const { inspector } = mount({ buses: { app: bus } });
    bus.emit({ kind: 'published', subject: 'a' });
    inspector.close();
    bus.emit({ kind: 'published', subject: 'a' });
    expect(inspector.model.subjects.get('app a')?.series.total).toBe(1);
    expect(inspector.host.isConnected).toBe(false);
  });

  it('reads queue-group leaders from the held locks, naming the leading tab by its bus id', async () => {
    const ns = `insp-${Date.now().toString(36)}`;
    const held = [
      { name: `isoflux/broadcast/${ns}/peer/busA`, clientId: 'c1' },
      { name: `isoflux/broadcast/${ns}/queue/workers jobs.*`, clientId: 'c1' },
      { name: `isoflux/broadcast/${ns}/peer/busB`, clientId: 'c2' },
      { name: 'unrelated', clientId: 'c2' },
    ];
    const pending = [{ name: `isoflux/broadcast/${ns}/queue/workers jobs.*`, clientId: 'c2' }];
    const { inspector, root } = mount({
      locks: { query: () => Promise.resolve({ held, pending }) },
      buses: { tab: Object.assign(tappable(), { id: 'busA' }) },
    });
    inspector.refresh(); // starts the read
    await new Promise((r) => setTimeout(r, 0)); // turn: the query resolves
    inspector.refresh();
    expect(rows(root, 'leaders').map((r) => ({ ...r.dataset }))).toEqual([
      { queue: 'workers', pattern: 'jobs.*', namespace: ns, leader: 'busA', standby: '1', here: 'true' },
    ]);
  });
});
