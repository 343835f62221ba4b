/**
 * What the JetStream transport accepts as its connection: a nats-core connection or a JetStream client.
 * @module
 */
import { jetstream, type JetStreamClient, type JetStreamOptions } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';

/** A nats-core connection (a JetStream client is made on it) or a JetStream client you configured (domain, prefix). */
export type JetStreamSource = NatsConnection | JetStreamClient;

/** A JetStream client and, when it can be known, its connection (for `max_payload` and closed checks). */
export interface ResolvedJetStream {
  readonly js: JetStreamClient;
  readonly nc: NatsConnection | undefined;
}

function isJetStreamClient(source: JetStreamSource): source is JetStreamClient {
  return typeof (source as Partial<JetStreamClient>).jetstreamManager === 'function';
}

/** Resolves `source`; `options` apply only when a client is made here from a connection. */
export function resolveJetStream(source: JetStreamSource, options?: JetStreamOptions): ResolvedJetStream {
  if (!isJetStreamClient(source)) return { js: jetstream(source, options), nc: source };
  // the JetStream client's implementation exposes its connection; the public type does not promise it
  const nc = (source as { getConnection?: () => NatsConnection }).getConnection?.();
  return { js: source, nc };
}
