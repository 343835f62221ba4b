/**
 * Wiretap: one call observes everything a bus does — published, delivered, dropped (with reason), failed,
 * settled (ack / nak / term) and dead-lettered messages, with timings. A bus that nobody taps pays one
 * boolean check per message.
 * @module
 */
import type { Headers } from './message.js';

/** What happened to a message. */
export type TapKind = 'published' | 'delivered' | 'dropped' | 'failed' | 'acked' | 'naked' | 'terminated' | 'dead-lettered';

/** One observed event. Timestamps are milliseconds since the epoch, from a monotonic source. */
export interface TapEvent {
  readonly kind: TapKind;
  /** The transport (`memory`, `nats`, `jetstream`, `broadcast`, `worker`, `postgres`, `http`, `outbox`). */
  readonly system: string;
  readonly subject: string;
  /** The message id, when known. */
  readonly id: string | undefined;
  /** The payload (published and delivered events). */
  readonly payload?: unknown;
  readonly headers?: Headers | undefined;
  /** The subscription's pattern (delivered, dropped, failed, settled events). */
  readonly pattern?: string | undefined;
  readonly queue?: string | undefined;
  /** Why: a drop reason (`overflow`, `closed`), a dead-letter reason, an error code. */
  readonly reason?: string | undefined;
  /** The error of a failed publish or handler. */
  readonly error?: unknown;
  /**
   * The delivery attempt it is about, 1 for the first (the outbox's relay: `delivered` and `failed` events;
   * `dead-lettered` gives the attempts made, 0 when it was too old before any).
   */
  readonly attempt?: number | undefined;
  /** When it happened. */
  readonly at: number;
  /**
   * How long it took: publish until settled, handler run time. The outbox: `published` enqueue until stored,
   * `failed` (an attempt) the attempt's own time, `delivered` and `dead-lettered` the time since enqueue.
   */
  readonly durationMs?: number | undefined;
}

/** Receives tap events. It must not throw (a throwing listener is ignored, never breaks the bus). */
export type TapListener = (event: TapEvent) => void;

/** The key under which a tappable bus exposes its taps. */
export const TAP: unique symbol = Symbol.for('isoflux.tap') as never;

/** A bus that can be tapped. Every isoflux transport is one. */
export interface Tappable {
  readonly [TAP]: Taps;
}

/** Milliseconds since the epoch, monotonic within this context. */
export function tapClock(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The listeners of one bus. Transports check {@link Taps.active} before building an event, so an untapped
 * bus does no work.
 */
export class Taps {
  #listeners: TapListener[] = [];
  readonly #onChange: ((active: boolean) => void) | undefined;
  /** True while at least one listener is attached. A plain field: the hot path reads it without a call. */
  active = false;

  /** `onChange` is told when {@link active} changes (a bus folds it into one flag of its hot path). */
  constructor(onChange?: (active: boolean) => void) {
    this.#onChange = onChange;
  }

  /** Attaches a listener; returns the function that detaches it. */
  add(listener: TapListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    this.#set(true);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
      this.#set(this.#listeners.length > 0);
    };
  }

  #set(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    this.#onChange?.(active);
  }

  /** Hands an event to every listener. */
  emit(event: TapEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // a broken listener must not break the bus
      }
    }
  }
}

/**
 * Observes every message of `bus` until the returned function is called.
 *
 * ```ts
 * const stop = tap(bus, (event) => console.log(event.kind, event.subject));
 * ```
 */
export function tap(bus: Tappable, listener: TapListener): () => void {
  return bus[TAP].add(listener);
}
