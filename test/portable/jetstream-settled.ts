/**
 * Settled-state queries on the real server, for JetStream tests that must show nothing more will arrive:
 * a consumer with nothing pending and nothing awaiting an ack redelivers nothing, at any later time.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager, type ConsumerInfo } from '@nats-io/jetstream';
import { until } from './waits.js';

/** The stream's consumers as the server sees them now. */
export async function consumerInfos(nc: NatsConnection, stream: string): Promise<ConsumerInfo[]> {
  return (await jetstreamManager(nc)).consumers.list(stream).next();
}

/**
 * Resolves once every consumer of `stream` (at least `atLeast` of them) has delivered everything
 * (`num_pending` 0) and holds no unacknowledged message (`num_ack_pending` 0): all deliveries it will
 * ever make have been made and settled, so a test can count them.
 */
export async function consumersSettled(
  nc: NatsConnection,
  stream: string,
  { atLeast = 1, timeoutMs = 10_000, only = () => true }: { atLeast?: number; timeoutMs?: number; only?: (c: ConsumerInfo) => boolean } = {},
): Promise<ConsumerInfo[]> {
  return until(
    async () => {
      const infos = (await consumerInfos(nc, stream)).filter(only);
      return infos.length >= atLeast && infos.every((c) => c.num_pending === 0 && c.num_ack_pending === 0) ? infos : undefined;
    },
    { timeoutMs, everyMs: 20, what: `every consumer of ${stream} with nothing pending or unacknowledged` },
  );
}

/** Resolves once the consumer `name` has a pull request waiting on the server (`num_waiting` > 0). */
export async function pullWaiting(nc: NatsConnection, stream: string, name: string, timeoutMs = 5000): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await until(async () => (await jsm.consumers.info(stream, name)).num_waiting > 0, { timeoutMs, everyMs: 10, what: `a pull request waiting on ${name}` });
}
