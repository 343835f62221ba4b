/**
 * Sends NOTIFYs in publish order with few round trips: while one statement is in flight, later publishes
 * queue up and leave together in the next one.
 * @module
 */
import { AbortedError } from '../core/errors.js';
import { Fifo } from '../core/delivery-queue.js';

/** The part of a `postgres` client (a `Sql`, a transaction, a reserved connection) that runs a query. */
export interface QuerySql {
  unsafe(query: string, parameters?: string[][]): PromiseLike<unknown>;
}

/**
 * One statement, many notifications: `unnest` yields the rows in array order and `pg_notify` runs once per
 * row, inside one implicit transaction, so they are delivered in that order. Subjects and payloads are bind
 * parameters: nothing a caller passes becomes SQL text. (`unsafe` only because the text is fixed here.)
 */
const NOTIFY_MANY = 'select pg_notify(c, p) from unnest($1::text[], $2::text[]) as t(c, p)';

/** Sends `channels[i]`/`payloads[i]` pairs with `sql` in one statement (in a transaction: on its commit). */
export async function notifyMany(sql: QuerySql, channels: string[], payloads: string[]): Promise<void> {
  await sql.unsafe(NOTIFY_MANY, [channels, payloads]);
}

interface Outgoing {
  channel: string;
  payload: string;
  signal: AbortSignal | undefined;
  resolve(): void;
  reject(error: unknown): void;
}

/** Most notifications per statement; bounds one statement's size (each is at most 8000 bytes). */
const MAX_BATCH = 256;

/**
 * The bus's ordered sender. Exactly one statement is in flight at a time, so notifications leave (and are
 * delivered) in `send` order even though the caller's pool has many connections; under load each round trip
 * carries up to {@link MAX_BATCH} of them.
 */
export class NotifySender {
  readonly #queue = new Fifo<Outgoing>();
  #flushing: Promise<void> | undefined;

  constructor(readonly sql: QuerySql) {}

  /** Resolves once PostgreSQL accepted the notification (it is then queued for every listener). */
  send(channel: string, payload: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ channel, payload, signal, resolve, reject });
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
      while (batch.length < MAX_BATCH) {
        const next = this.#queue.shift();
        if (next === undefined) break;
        if (next.signal?.aborted) {
          next.reject(new AbortedError('publish', next.signal.reason));
          continue;
        }
        batch.push(next);
        channels.push(next.channel);
        payloads.push(next.payload);
      }
      if (batch.length === 0) continue;
      try {
        await notifyMany(this.sql, channels, payloads);
        for (const o of batch) o.resolve();
      } catch (error) {
        for (const o of batch) o.reject(error);
      }
    }
    this.#flushing = undefined;
  }
}
