/**
 * Records each handling: what, how long, and whether it failed.
 * @module
 */
import type { Handler, Middleware } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import { checkFunction } from './check.js';
import { describeError, invoke } from './settle.js';

/** One handled message, as {@link logging} reports it. */
export interface HandlingRecord {
  readonly subject: string;
  readonly id: string;
  /** `message.delivery.attempt`: 1 on first delivery. */
  readonly attempt: number;
  /** Time from calling the handler to its settling, in ms. */
  readonly durationMs: number;
  /** The error, when the handler failed. */
  readonly error?: unknown;
}

/** Options of {@link logging}. */
export interface LoggingOptions {
  /** Receives every record (default: one `console.info` line per message, `console.warn` on failure). */
  log?: (record: HandlingRecord) => void;
  /** Clock in ms (default `performance.now`). */
  now?: () => number;
}

function logToConsole(record: HandlingRecord): void {
  const line = `[isoflux] ${record.subject} id=${record.id} attempt=${record.attempt} ${record.durationMs.toFixed(1)}ms`;
  if (record.error === undefined) console.info(`${line} ok`);
  else console.warn(`${line} failed: ${describeError(record.error)}`);
}

/**
 * Measures each handling and passes a {@link HandlingRecord} to `log`; also the hook for metrics
 * (count records, histogram `durationMs`). The handler's outcome passes through unchanged. Costs two
 * clock reads and one record object per message.
 */
export function logging(options: LoggingOptions = {}): Middleware {
  const log = checkFunction('log', options.log, true) ?? logToConsole;
  const now = checkFunction('now', options.now, true) ?? (() => performance.now());
  return <T>(next: Handler<T>) =>
    async (message: Message<T>): Promise<unknown> => {
      const start = now();
      const base = { subject: message.subject, id: message.id, attempt: message.delivery.attempt };
      try {
        const result = await invoke(next, message);
        log({ ...base, durationMs: now() - start });
        return result;
      } catch (error) {
        log({ ...base, durationMs: now() - start, error });
        throw error;
      }
    };
}
