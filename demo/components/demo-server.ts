/**
 * What the demo server (demo/serve.mjs) offers the page: the nats-server it started, and a way to stop and
 * start it to show an outage.
 * @module
 */

/** What demo/serve.mjs answers on `/__demo/config`. */
export interface DemoConfig {
  readonly nats: { readonly wsUrl: string; readonly tcpUrl: string; readonly running: boolean } | null;
  /** How to get a nats-server when none is installed. */
  readonly natsHint: string;
}

/** Reads the demo server's configuration. */
export async function loadDemoConfig(): Promise<DemoConfig> {
  const response = await fetch('/__demo/config', { cache: 'no-store' });
  if (!response.ok) throw new Error(`GET /__demo/config answered ${response.status}: start the demo with npm run demo`);
  return (await response.json()) as DemoConfig;
}

/** Stops or starts the demo's nats-server (same ports and store). Resolves with whether it now runs. */
export async function controlBroker(action: 'stop' | 'start'): Promise<boolean> {
  const response = await fetch(`/__demo/broker/${action}`, { method: 'POST' });
  const body = (await response.json().catch(() => ({}))) as { running?: boolean; error?: string };
  if (!response.ok) throw new Error(body.error ?? `POST /__demo/broker/${action} answered ${response.status}`);
  return body.running === true;
}
