/**
 * Vitest globalSetup, run once per project (node, chromium): starts a private nats-server
 * (JetStream + WebSocket on free loopback ports), checks PostgreSQL, and provides the URLs to
 * tests through `inject()`. The Deno and workerd runners provide the same keys (test/harness).
 */
import type { TestProject } from 'vitest/node';
import { startNatsServer } from './nats-server.mjs';
import { ensurePostgres } from './postgres.mjs';

declare module 'vitest' {
  /** Keys every runtime provides to `inject()`. */
  export interface ProvidedContext {
    /** `ws://127.0.0.1:P`: the private nats-server's WebSocket listener. */
    natsWsUrl: string;
    /** `nats://127.0.0.1:P` */
    natsTcpUrl: string;
    /** `http://127.0.0.1:P` (GET /healthz, /jsz …) */
    natsMonitorUrl: string;
    /** `http://127.0.0.1:P`: dedicated nats-servers to kill and restart (see test/setup/nats-server.mjs). */
    natsControlUrl: string;
    /** `postgres://postgres@127.0.0.1:5432/test` */
    pgUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pgUrl = await ensurePostgres();
  const nats = await startNatsServer({ jetstream: true, websocket: true });
  project.provide('natsWsUrl', nats.wsUrl!);
  project.provide('natsTcpUrl', nats.tcpUrl);
  project.provide('natsMonitorUrl', nats.monitorUrl);
  project.provide('natsControlUrl', nats.controlUrl!);
  project.provide('pgUrl', pgUrl);
  return () => nats.dispose();
}
