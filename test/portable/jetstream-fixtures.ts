/**
 * A connection and a fresh stream for each test, for the JetStream tests that run in every runtime. Register
 * it first in a describe block: its beforeEach runs before the block's own (which can use the connection),
 * and its afterEach after (the block's own teardown still has it).
 */
import { afterEach, beforeEach, inject } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '../../src/nats/index.js';
import { ensureStream, type EnsureStreamConfig } from '../../src/jetstream/index.js';

/** What {@link useTestStream} opens for the running test. */
export interface TestStream {
  nc: NatsConnection;
  /** The subject prefix no other test uses; the stream captures `<root>.>`. */
  root: string;
  /** The stream's name (`root` in upper case). */
  stream: string;
}

/** Opens a connection and a stream capturing `<root>.>` before each test; deletes the stream and closes it after. */
export function useTestStream(prefix: string, config: Omit<EnsureStreamConfig, 'name' | 'subjects'> = {}): TestStream {
  const t = {} as TestStream;
  let n = 0;
  beforeEach(async () => {
    t.nc = await connectNats(inject('natsWsUrl'));
    t.root = `${prefix}${Date.now().toString(36)}${(n++).toString(36)}`;
    t.stream = t.root.toUpperCase();
    await ensureStream(t.nc, { ...config, name: t.stream, subjects: [`${t.root}.>`] });
  });
  afterEach(async () => {
    await (await jetstreamManager(t.nc)).streams.delete(t.stream).catch(() => undefined);
    await t.nc.close();
  });
  return t;
}
