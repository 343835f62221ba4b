/**
 * Idempotent stream creation, so every process can declare the streams it needs at start-up.
 * @module
 */
import { jetstreamManager, JetStreamApiError, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { InvalidArgumentError } from '../core/errors.js';
import { fromJetStreamError, StreamConfigConflictError, type StreamConfigDifference } from './errors.js';

/** A stream config: `name` plus any settings of nats' `StreamConfig` (unset ones take the server's defaults). */
export type EnsureStreamConfig = Partial<StreamConfig> & { name: string };

/** What {@link ensureStream} did. */
export interface EnsuredStream {
  /**
   * True when this call's create succeeded; false when the stream already existed with a matching config.
   * The server accepts an identical create as a no-op, so callers racing to create it may each see true.
   */
  readonly created: boolean;
  /** The stream's info as the server reports it. */
  readonly info: StreamInfo;
}

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

/**
 * Creates the stream, or checks that the existing one matches: calling it twice (or from many processes at
 * once) is fine. Only the settings you give are compared (arrays such as `subjects` regardless of order);
 * when one differs it rejects with {@link StreamConfigConflictError} (`invalid_argument`, listing every
 * difference) and changes nothing — updating a stream is a deliberate act (`jsm.streams.update`).
 * Costs one round trip when the stream exists, two when it is created.
 */
export async function ensureStream(manager: JetStreamManager | NatsConnection, config: EnsureStreamConfig): Promise<EnsuredStream> {
  if (typeof config?.name !== 'string' || config.name.length === 0) throw new InvalidArgumentError('ensureStream: config.name must be a non-empty string');
  const jsm = 'streams' in manager ? manager : await jetstreamManager(manager);
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await lookup(jsm, config.name);
    if (existing !== undefined) {
      const differences = compare(existing.config, config);
      if (differences.length > 0) throw new StreamConfigConflictError(config.name, differences);
      return { created: false, info: existing };
    }
    try {
      return { created: true, info: await jsm.streams.add(config) };
    } catch (error) {
      // another process created it between our lookup and add: compare with theirs
      if (!(error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE)) throw fromJetStreamError(error, config.name, 'ensureStream');
    }
  }
  throw new InvalidArgumentError(`ensureStream: stream ${JSON.stringify(config.name)} keeps appearing and disappearing; is another process deleting it?`);
}

async function lookup(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND) return undefined;
    throw fromJetStreamError(error, name, 'ensureStream');
  }
}

function compare(existing: StreamConfig, requested: EnsureStreamConfig): StreamConfigDifference[] {
  const differences: StreamConfigDifference[] = [];
  for (const field of Object.keys(requested) as Array<keyof StreamConfig>) {
    const want = requested[field];
    if (want === undefined) continue;
    const have = existing[field];
    if (!same(have, want)) differences.push({ field, existing: have, requested: want });
  }
  return differences;
}

/** Structural equality; arrays of scalars compare as sets (the server may reorder `subjects`). */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    if (a.every((x) => typeof x !== 'object') && b.every((x) => typeof x !== 'object')) return b.every((x) => a.includes(x));
    return a.every((x, i) => same(x, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const keys = Object.keys(b as object);
    return keys.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}
