/**
 * Sends NOTIFYs in publish order with few round trips: while one statement is in flight, later publishes
 * queue up and leave together in the next one.
 * @module
 */
import { AbortedError } from '../core/errors.js';
import { Fifo } from '../core/delivery-queue.js';
import { fromPostgresError } from './errors.js';

/** The part of a `postgres` client (a `Sql`, a transaction, a reserved connection) that runs a query. */
export interface QuerySql {
  unsafe(query: string, parameters?: string[], options?: { prepare?: boolean }): PromiseLike<unknown>;
}

/**
 * One statement, many notifications: the set-returning functions yield the rows in array order and
 * `pg_notify` runs once per row, inside one implicit transaction, so they are delivered in that order.
 * Channels and payloads are bind parameters: nothing a caller passes becomes SQL text. (`unsafe` only
 * because the text is fixed here.) The arrays travel as JSON text: `JSON.stringify` escapes a batch in one
 * native call where the client's `text[]` literal runs two regular expressions per element (the top cost
 * of a batch). Envelopes never contain NUL (their bodies fall back to base64), so every element decodes.
 */
const NOTIFY_MANY = 'select count(pg_notify(c, p)) from rows from (json_array_elements_text($1::text::json), json_array_elements_text($2::text::json)) as t(c, p)';
/** The same on one channel (every batch of an unpartitioned bus): no channel array to send and parse. */
const NOTIFY_ONE = 'select count(pg_notify($1, p)) from json_array_elements_text($2::text::json) as t(p)';
/**
 * Prepared (once per connection): an unprepared statement with parameters costs the `postgres` client a
 * describe round trip before every execution. A client created with `prepare: false` (pgbouncer) wins.
 */
const PREPARED = { prepare: true };

/** Sends `channels[i]`/`payloads[i]` pairs with `sql` in one statement (in a transaction: on its commit). */
export async function notifyMany(sql: QuerySql, channels: string[], payloads: string[]): Promise<void> {
  const channel = channels[0];
  let one = channel !== undefined;
  for (let i = 1; one && i < channels.length; i++) one = channels[i] === channel;
  const text = JSON.stringify(payloads);
  await (one ? sql.unsafe(NOTIFY_ONE, [channel as string, text], PREPARED) : sql.unsafe(NOTIFY_MANY, [JSON.stringify(channels), text], PREPARED));
}

interface Outgoing {
  readonly channel: string;
  readonly payload: string;
  /** For the error message when the statement fails. */
  readonly subject: string;
  readonly signal: AbortSignal | undefined;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Most notifications per statement, and most payload characters (each payload is at most 7999 bytes):
 * bound one statement's size (a few MB at worst) while a burst of small messages still leaves in one.
 */
const MAX_BATCH = 8192;
const MAX_BATCH_CHARS = 1 << 20;

/**
 * The bus's ordered sender. Exactly one statement is in flight at a time, so notifications leave (and are
 * delivered) in `send` order even though the caller's pool has many connections; under load each round trip
 * carries up to {@link MAX_BATCH} of them.
 */
export class NotifySender {
  readonly #queue = new Fifo<Outgoing>();
  #flushing: Promise<void> | undefined;

  constructor(readonly sql: QuerySql) {}

  /**
   * Resolves once PostgreSQL accepted the notification (it is then queued for every listener); rejects with
   * `aborted` (not sent), or what {@link fromPostgresError} makes of a failed statement.
   */
  send(channel: string, payload: string, subject: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ channel, payload, subject, signal, resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  /** Resolves when everything sent so far has been handed to PostgreSQL (or failed). */
  async idle(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }

  async #flush(): Promise<void> {
    // let publishes made in the same tick join the first statement
    await Promise.resolve();
    while (this.#queue.size > 0) {
      const batch: Outgoing[] = [];
      const channels: string[] = [];
      const payloads: string[] = [];
      let chars = 0;
      while (batch.length < MAX_BATCH && chars < MAX_BATCH_CHARS) {
        const next = this.#queue.shift();
        if (next === undefined) break;
        if (next.signal?.aborted) {
          next.reject(new AbortedError('publish', next.signal.reason));
          continue;
        }
        batch.push(next);
        channels.push(next.channel);
        payloads.push(next.payload);
        chars += next.payload.length;
      }
      if (batch.length === 0) continue;
      try {
        await notifyMany(this.sql, channels, payloads);
        for (const o of batch) o.resolve();
      } catch (error) {
        for (const o of batch) o.reject(fromPostgresError(error, `publish on ${JSON.stringify(o.subject)}`));
      }
    }
    this.#flushing = undefined;
  }
}
