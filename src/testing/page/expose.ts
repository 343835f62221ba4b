/**
 * The page side of isoflux/playwright: `exposeBuses({ orders: bus })` keeps a recorder per bus and
 * installs a small window API the Playwright fixture calls through `page.evaluate`. Dev-only: guard the
 * call with `if (import.meta.env.DEV)` (or your bundler's equivalent) and a production build drops it and
 * this module entirely (`sideEffects: false`).
 * @module
 */
import { InvalidArgumentError } from '../../core/errors.js';
import type { SubscribeOptions } from '../../core/interfaces.js';
import type { Message } from '../../core/message.js';
import { TAP, type TapEvent, type Tappable } from '../../core/wiretap.js';
import { TapSource } from '../emit.js';
import { Recording } from '../recorder.js';
import { PAGE_API_KEY, type Observation, type PageApi, type PageBusInfo, type PageEvent, type PagePublishOptions } from './protocol.js';

/** Anything `exposeBuses` accepts: a bus, an outbox, a publisher … (what it can do is detected). */
export type ExposableBus = object;

interface Entry {
  readonly bus: ExposableBus;
  readonly recording: Recording | undefined;
  readonly observed: Observation;
  readonly stop: () => void;
}

interface Publishing {
  publish(subject: string, payload: unknown, options?: PagePublishOptions): Promise<void>;
}
interface Subscribing {
  subscribe(pattern: string, handler: (message: Message<unknown>) => void, options: SubscribeOptions): { unsubscribe(): Promise<void> };
}
interface WithStatus {
  refreshStatus(): Promise<unknown>;
}

const ignore = (): void => undefined;
const isTappable = (bus: object): bus is Tappable => TAP in bus;
const canPublish = (bus: object): bus is Publishing => typeof (bus as Partial<Publishing>).publish === 'function';
const canSubscribe = (bus: object): bus is Subscribing => typeof (bus as Partial<Subscribing>).subscribe === 'function';
const hasStatus = (bus: object): bus is WithStatus => typeof (bus as Partial<WithStatus>).refreshStatus === 'function';

/** The recorder of `bus`: its wiretap, or a `>` subscription for a bus without one (what it delivers only). */
function observe(bus: ExposableBus): Pick<Entry, 'recording' | 'observed' | 'stop'> {
  if (isTappable(bus)) {
    const recording = new Recording([bus]);
    return { recording, observed: 'tap', stop: () => recording.stop() };
  }
  if (canSubscribe(bus)) {
    const source = new TapSource('untapped');
    const recording = new Recording([{ [TAP]: source.taps }]);
    // never in the bus's way: it drops its own oldest instead of holding publishers back, reports no decode
    // failures (a NATS '>' also sees other clients' JetStream API traffic), and skips system subjects
    const record = (message: Message<unknown>): void => {
      if (!message.subject.startsWith('$') && !message.subject.startsWith('_INBOX.')) source.emitMessage('delivered', message, { pattern: '>' });
    };
    const subscription = bus.subscribe('>', record, { overflow: 'drop-oldest', onError: ignore });
    return { recording, observed: 'subscription', stop: () => (recording.stop(), void subscription.unsubscribe()) };
  }
  return { recording: undefined, observed: 'none', stop: () => undefined };
}

function plainError(error: unknown): PageEvent['error'] {
  if (error === undefined) return undefined;
  const e = error as { name?: unknown; message?: unknown; code?: unknown };
  return { name: String(e.name ?? 'Error'), message: String(e.message ?? error), code: typeof e.code === 'string' ? e.code : undefined };
}

function toPageEvent(event: TapEvent, seq: number): PageEvent {
  return { ...event, seq, error: plainError(event.error) };
}

class Registry implements PageApi {
  readonly version = 1 as const;
  readonly #entries = new Map<string, Entry>();

  add(name: string, bus: ExposableBus): () => void {
    if (typeof bus !== 'object' || bus === null) throw new InvalidArgumentError(`exposeBuses: ${JSON.stringify(name)} is not a bus`);
    this.#entries.get(name)?.stop();
    const entry: Entry = { bus, ...observe(bus) };
    this.#entries.set(name, entry);
    return () => {
      if (this.#entries.get(name) !== entry) return;
      entry.stop();
      this.#entries.delete(name);
    };
  }

  #entry(name: string): Entry {
    const entry = this.#entries.get(name);
    if (entry === undefined)
      throw new InvalidArgumentError(`no bus ${JSON.stringify(name)} exposed on this page (exposed: ${[...this.#entries.keys()].join(', ') || 'none'})`);
    return entry;
  }

  buses(): PageBusInfo[] {
    return [...this.#entries].map(([name, { bus, observed }]) => ({ name, observed, canPublish: canPublish(bus), hasOutboxStatus: hasStatus(bus) }));
  }

  async publish(name: string, subject: string, payload: unknown, options?: PagePublishOptions): Promise<void> {
    const { bus } = this.#entry(name);
    if (!canPublish(bus)) throw new InvalidArgumentError(`bus ${JSON.stringify(name)} cannot publish`);
    await bus.publish(subject, payload, options);
  }

  async events(name: string, from: number, waitMs: number): Promise<{ events: PageEvent[]; next: number }> {
    const { recording } = this.#entry(name);
    if (recording === undefined) return { events: [], next: 0 };
    if (recording.total <= from && waitMs > 0) {
      await recording
        .waitFor('>', undefined, {
          after: from,
          timeoutMs: waitMs,
          kinds: ['published', 'delivered', 'dropped', 'failed', 'acked', 'naked', 'terminated', 'dead-lettered'],
        })
        .catch(() => undefined);
    }
    const first = Math.max(from, recording.total - recording.events.length);
    const events = recording.since(from).map((event, i) => toPageEvent(event, first + i));
    return { events, next: recording.total };
  }

  async outboxStatus(name: string): Promise<unknown> {
    const { bus } = this.#entry(name);
    if (!hasStatus(bus)) throw new InvalidArgumentError(`bus ${JSON.stringify(name)} has no outbox status`);
    return bus.refreshStatus();
  }
}

function registry(): Registry {
  const global = globalThis as unknown as Record<string, unknown>;
  const existing = global[PAGE_API_KEY];
  if (existing instanceof Registry) return existing;
  const created = new Registry();
  Object.defineProperty(globalThis, PAGE_API_KEY, { value: created, configurable: true });
  return created;
}

/**
 * Lets isoflux/playwright reach these buses (by name) from a test: publish into them, wait for and
 * collect what they publish and deliver, read an outbox's status. Call it again to add buses; the
 * returned function removes the ones it added. With no buses it only installs the page API.
 *
 * ```ts
 * if (import.meta.env.DEV) exposeBuses({ orders: bus, outbox });
 * ```
 */
export function exposeBuses(buses: Readonly<Record<string, ExposableBus>> = {}): () => void {
  const api = registry();
  const removers = Object.entries(buses).map(([name, bus]) => api.add(name, bus));
  return () => removers.forEach((remove) => remove());
}
