/**
 * Skips messages whose id was already handled successfully.
 * @module
 */
import type { Handler, Middleware } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { checkDuration, checkFunction, checkInteger } from './check.js';
import { SeenIds } from './seen-ids.js';
import { invoke } from './settle.js';

/** Options of {@link dedup}. */
export interface DedupOptions {
  /** Ids remembered at most; the oldest are forgotten first (default 10 000). Bounds memory. */
  maxEntries?: number;
  /** How long an id is remembered after it was handled (default 10 minutes). */
  ttlMs?: number;
  /** What identifies a message (default its `id`, which survives hops and retries). */
  key?: (message: Message<unknown>) => string;
  /** Called for every duplicate skipped. */
  onDuplicate?: (message: Message<unknown>) => void;
  /** Clock in ms (default `Date.now`); tests pass their own. */
  now?: () => number;
}

/**
 * Hands a message to the handler only if no message with the same key was handled successfully in the
 * last `ttlMs`; a duplicate is `ack`ed (it was processed) and skipped. A key is remembered only after the
 * handler succeeded, so a failed message is handled again when redelivered. A duplicate arriving while
 * the first copy is still being handled waits for it: skipped if that succeeds, handled if it fails.
 * The memory belongs to this middleware instance: wrap several handlers with one instance to
 * de-duplicate across them. Costs one map entry per remembered key (bounded by `maxEntries`).
 */
export function dedup(options: DedupOptions = {}): Middleware {
  const maxEntries = checkInteger('maxEntries', options.maxEntries ?? 10_000);
  const ttlMs = checkDuration('ttlMs', options.ttlMs ?? 600_000);
  const key = checkFunction('key', options.key, true) ?? ((m: Message<unknown>) => m.id);
  const onDuplicate = checkFunction('onDuplicate', options.onDuplicate, true);
  const seen = new SeenIds(maxEntries, ttlMs, checkFunction('now', options.now, true) ?? Date.now);
  const inFlight = new Map<string, Promise<boolean>>();

  const skip = async (message: Message<unknown>): Promise<undefined> => {
    if (!message.settled) await message.ack();
    onDuplicate?.(message);
    return undefined;
  };

  return <T>(next: Handler<T>) =>
    async (message: Message<T>): Promise<unknown> => {
      const id = key(message as Message<unknown>);
      if (seen.has(id)) return skip(message as Message<unknown>);
      for (let running = inFlight.get(id); running !== undefined; running = inFlight.get(id)) {
        if (await running) return skip(message as Message<unknown>);
      }
      let succeeded!: (ok: boolean) => void;
      inFlight.set(id, new Promise<boolean>((resolve) => (succeeded = resolve)));
      try {
        const result = await invoke(next, message);
        seen.add(id);
        succeeded(true);
        return result;
      } catch (error) {
        succeeded(false);
        throw error;
      } finally {
        inFlight.delete(id);
      }
    };
}
