/**
 * What crosses between a page and a Playwright test: the window API a page installs with `exposeBuses`,
 * and the plain-data events it returns. Types only, shared by both sides.
 * @module
 */
import type { TapKind } from '../../core/wiretap.js';

/** The global the page API lives under (`window[PAGE_API_KEY]`). */
export const PAGE_API_KEY = '__isoflux_testing__';

/** A wiretap event as plain data (the error reduced to name, message and code). */
export interface PageEvent {
  /** Position in this bus's recording (0, 1, 2 …). */
  readonly seq: number;
  readonly kind: TapKind;
  readonly system: string;
  readonly subject: string;
  readonly id: string | undefined;
  readonly payload?: unknown;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly pattern?: string | undefined;
  readonly queue?: string | undefined;
  readonly reason?: string | undefined;
  readonly error?: { readonly name: string; readonly message: string; readonly code: string | undefined } | undefined;
  readonly at: number;
  readonly durationMs?: number | undefined;
}

/** A batch of events from position `from`, and the position after it. */
export interface PageEvents {
  readonly events: readonly PageEvent[];
  readonly next: number;
}

/** How a registered bus is observed: its wiretap, or (for a bus without one) a `>` subscription. */
export type Observation = 'tap' | 'subscription' | 'none';

/** What the page tells about one registered bus. */
export interface PageBusInfo {
  readonly name: string;
  readonly observed: Observation;
  readonly canPublish: boolean;
  readonly hasOutboxStatus: boolean;
}

/** Publish options that cross into the page. */
export interface PagePublishOptions {
  readonly id?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The window API (version 1). Every method takes the bus's registered name. */
export interface PageApi {
  readonly version: 1;
  buses(): PageBusInfo[];
  publish(bus: string, subject: string, payload: unknown, options?: PagePublishOptions): Promise<void>;
  /** Events from position `from` on; waits up to `waitMs` for at least one when there are none yet. */
  events(bus: string, from: number, waitMs: number): Promise<PageEvents>;
  /** Refreshes and returns an outbox's status. */
  outboxStatus(bus: string): Promise<unknown>;
}
