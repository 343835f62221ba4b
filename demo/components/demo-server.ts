/**
 * What the demo server (demo/serve.mjs) offers the page: the nats-server it started, its own embedded HTTP
 * broker (isoflux/http), and ways to stop and start either to show an outage.
 * @module
 */

/** What demo/serve.mjs answers on `/__demo/config`. */
export interface DemoConfig {
  readonly nats: { readonly wsUrl: string; readonly tcpUrl: string; readonly running: boolean } | null;
  /** How to get a nats-server when none is installed. */
  readonly natsHint: string;
  /** The demo server's own isoflux HTTP endpoint (`POST <url><subject>`), always there. */
  readonly http: { readonly url: string; readonly running: boolean };
}

/** What the embedded HTTP broker holds (`GET /__demo/bus-stats`). */
export interface BusStats {
  readonly running: boolean;
  /** Messages of `demo.outbox.>` stored, each message id once. */
  readonly stored: number;
  /** Deliveries of an id already stored (at-least-once redeliveries), not stored again. */
  readonly duplicates: number;
  readonly lastSubject: string;
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, { cache: 'no-store', ...init });
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `${init?.method ?? 'GET'} ${path} answered ${response.status}: start the demo with npm run demo`);
  return body;
}

/** Reads the demo server's configuration. */
export function loadDemoConfig(): Promise<DemoConfig> {
  return json<DemoConfig>('/__demo/config');
}

/** Stops or starts the demo's nats-server (same ports and store). Resolves with whether it now runs. */
export async function controlBroker(action: 'stop' | 'start'): Promise<boolean> {
  return (await json<{ running?: boolean }>(`/__demo/broker/${action}`, { method: 'POST' })).running === true;
}

/** Takes the embedded HTTP broker away (it answers 503) or brings it back. Resolves with whether it runs. */
export async function controlHttpBus(action: 'stop' | 'start'): Promise<boolean> {
  return (await json<{ running?: boolean }>(`/__demo/bus-control/${action}`, { method: 'POST' })).running === true;
}

/** What the embedded HTTP broker holds now. */
export function loadBusStats(): Promise<BusStats> {
  return json<BusStats>('/__demo/bus-stats');
}
