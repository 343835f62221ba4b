/**
 * A subscription the server refuses ends alone, with a typed reason, and is never re-sent: the connection
 * and every other subscription on it keep working.
 *
 * nats-server answers a refused `SUB` with `-ERR` and keeps the connection. nats-core ends the subscription
 * itself for a permissions violation (the subject is in the error), but for `Invalid Subject` and
 * `Maximum Subscriptions Exceeded` it only records the error and re-sends the subscription on every
 * reconnect. Those `-ERR`s name no subject: the server answers commands in order, so the refused `SUB` is
 * one whose round trip (`ready`) had not completed when the error arrived. When exactly one isoflux
 * subscription of the connection is in that window it is the one; when several are, none is blamed (an
 * innocent one would be ended) and the bus's `onError` hears of it instead.
 * @module
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { IsofluxError } from '../core/errors.js';
import type { Sink } from '../transport/driver.js';

/** Why the server refused a subscription. */
export type RefusalReason = 'permissions' | 'invalid_subject' | 'max_subscriptions';

/**
 * The server refused this subscription (its `-ERR` is the `cause`); it was ended and removed from the
 * connection, so it is not sent again on reconnect. Code `invalid_subject`: the subject cannot be used on
 * this connection as it is configured.
 */
export class SubscriptionRefusedError extends IsofluxError {
  constructor(
    readonly subject: string,
    readonly reason: RefusalReason,
    serverError: string,
    options?: { cause?: unknown },
  ) {
    const advice =
      reason === 'permissions'
        ? "the connection's user may not subscribe to it: grant it in the server's `permissions.subscribe`, or use another subject"
        : reason === 'max_subscriptions'
          ? "the connection reached the server's `max_subscriptions`: end other subscriptions or raise the limit"
          : 'nats-server rejects its syntax: check the tokens (no empty ones, `>` only last)';
    super('invalid_subject', `The NATS server refused the subscription to ${JSON.stringify(subject)} (${serverError}): ${advice}. The subscription was ended; the connection and other subscriptions are unaffected.`, options);
  }
}

const refusals = new WeakMap<Sink, Error>();

/** The error the server refused `sink` with, if it did. */
export function refusalOf(sink: Sink): Error | undefined {
  return refusals.get(sink);
}

/** Ends `sink` because the server refused it: reported to `onError` once, `closed` resolves with it. */
export function refuse(sink: Sink, error: Error): Promise<void> {
  if (sink.isClosed) return Promise.resolve();
  refusals.set(sink, error);
  return sink.end(error);
}

/** Classifies a server `-ERR` text that refuses a single `SUB` without naming it. */
export function anonymousRefusal(text: string): RefusalReason | undefined {
  const t = text.toLowerCase();
  if (t.includes('invalid subject')) return 'invalid_subject';
  if (t.includes('maximum subscriptions exceeded')) return 'max_subscriptions';
  return undefined;
}

interface InFlight {
  readonly subscription: Sink;
  readonly report: (error: unknown) => void;
}

/** Per connection: the isoflux subscriptions whose `SUB` the server has not yet answered. */
class RefusalWatch {
  readonly #inFlight = new Set<InFlight>();

  constructor(nc: NatsConnection) {
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type !== 'error') continue;
        const text = status.error.message;
        const reason = anonymousRefusal(text);
        if (reason !== undefined) this.#blame(reason, text, status.error);
      }
    })().catch(() => undefined);
  }

  #blame(reason: RefusalReason, text: string, cause: Error): void {
    const candidates = [...this.#inFlight].filter((c) => !c.subscription.isClosed);
    if (candidates.length === 1) {
      const [only] = candidates as [InFlight];
      this.#inFlight.delete(only);
      void refuse(only.subscription, new SubscriptionRefusedError(only.subscription.pattern, reason, text, { cause }));
      return;
    }
    const patterns = candidates.map((c) => JSON.stringify(c.subscription.pattern)).join(', ');
    const error = new SubscriptionRefusedError(candidates.length ? `one of ${patterns}` : '(unknown)', reason, text, { cause });
    for (const reported of new Set(candidates.map((c) => c.report))) reported(error);
  }

  /**
   * Watches `subscription` until its round trip `answered` settled. The window closes one macrotask later:
   * an `-ERR` read in the same chunk as the answering PONG reaches the status iterator after `answered`.
   */
  track(subscription: Sink, answered: Promise<unknown>, report: (error: unknown) => void): void {
    const entry: InFlight = { subscription, report };
    this.#inFlight.add(entry);
    // deleted before the subscription's `ready` (which waits for a macrotask too) looks at the verdict
    const release = (): void => void setTimeout(() => this.#inFlight.delete(entry), 0);
    answered.then(release, release);
  }
}

const watches = new WeakMap<NatsConnection, RefusalWatch>();

/** The refusal watch of `nc`, started on first use (one status listener per connection). */
export function refusalWatch(nc: NatsConnection): RefusalWatch {
  let watch = watches.get(nc);
  if (watch === undefined) watches.set(nc, (watch = new RefusalWatch(nc)));
  return watch;
}
