/**
 * One delivery attempt, bounded in time.
 * @module
 */
import { TimeoutError } from '../core/errors.js';
import type { PublishOptions, Publisher } from '../core/interfaces.js';
import type { StoredEntry } from './store.js';

/** Publishes `entry` with its id and headers; rejects with `timeout` (aborting the target's signal) after `timeoutMs`. */
export async function publishWithin(target: Publisher, entry: StoredEntry, timeoutMs: number): Promise<void> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(`Relaying to ${JSON.stringify(entry.subject)}`, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const options: PublishOptions = { id: entry.id, headers: entry.headers, signal: controller.signal };
  const sent = (async () => target.publish(entry.subject, entry.payload, options))();
  sent.catch(() => undefined);
  try {
    await Promise.race([sent, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
