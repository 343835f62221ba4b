/**
 * The driver: what a transport writes. Everything else — the `subscribe` overloads, subject and option
 * checks, `signal`, telemetry, wiretap, request timeouts, `respond`, stats and close — is the facade's
 * (`createBus`), written once for every transport.
 * @module
 */
import type { PublishOptions, SubscribeOptions } from '../core/interfaces.js';
import type { Telemetry } from '../core/telemetry.js';
import type { Taps } from '../core/wiretap.js';
import type { Headers, Message } from '../core/message.js';
import type { AssertSubjectOptions } from '../core/subject.js';
import type { BufferedSubscription, SubscriptionListener } from '../core/subscription.js';
import type { SubjectCheck } from './subject-check.js';

/**
 * Where a driver pushes the messages of one subscription: the subscription itself. `deliver(message)`
 * hands one over (it returns a promise only when the `block` overflow policy makes the sender wait);
 * `reportError(error, message?)` reports a message that could not be decoded; `end(error)` ends the
 * subscription because the transport lost or refused it. `isIdle` / `isFull` let a driver that routes
 * queue groups itself prefer an idle member.
 */
export type Sink = BufferedSubscription<unknown>;

/**
 * One registered interest, as {@link Driver.listen} returns it: `ready` resolves once the transport
 * registered it (a SUB acknowledged, a LISTEN active; rejecting ends the subscription with that error; omit
 * it when registration is at once); `close(sink)` releases it, once per subscription, when it ends or starts
 * draining. A driver may return the same object for every subscription: `close` is given the sink it ends.
 */
export type Listener = SubscriptionListener;

/** What {@link Driver.send} is given: the caller's publish options plus the reply subject of a request. */
export type SendOptions<P extends PublishOptions = PublishOptions> = P & {
  /** Set when the message is a request sent by the facade: where the reply goes. */
  readonly replyTo?: string;
};

/** What {@link Driver.request} is given; `timeoutMs` is already resolved (per call, else `requestTimeoutMs`) and checked. */
export interface DriverRequestOptions {
  readonly timeoutMs: number;
  readonly headers: Headers | undefined;
  readonly id: string | undefined;
  readonly signal: AbortSignal | undefined;
}

/**
 * A transport's wire code. Only `name`, `send` and `listen` are required. `P`: the transport's publish
 * options; `O`: its subscribe options.
 *
 * Subjects reaching the driver are checked (`invalid_subject` is thrown by the facade, with
 * {@link Driver.subjectRules}); options are checked; the bus is open. A driver never sees a closed bus's call.
 *
 * Requests: give `request` when the wire has its own (NATS), or `interest` when replies can travel as
 * ordinary messages (the facade then listens on a private inbox `_INBOX.<id>.*` and routes replies there).
 * With neither, the bus has no `request` / `respond` (the conformance suite expects them absent).
 */
/** What the facade hands a driver once, through {@link Driver.attach}. */
export interface DriverContext {
  /** The bus's wiretap: emit settle events with `tapSettle` / `tappedAcker` (check `taps.active` first). */
  readonly taps: Taps;
  /** The bus's telemetry, for what only the driver sees (settles, dead letters, lag of its own queues). */
  readonly telemetry: Telemetry | undefined;
  /** The bus's default `onError`, for errors that belong to no subscription (a foreign frame, a lost connection). */
  readonly onError: SubscribeOptions['onError'];
}

export interface Driver<P extends PublishOptions = PublishOptions, O extends SubscribeOptions = SubscribeOptions> {
  /** The transport's name: `messaging.system` in telemetry, `system` in tap events, and the name in `closed` errors. */
  readonly name: string;
  /** Subject limits and stricter rules of this wire (default: nats-server's core grammar and limits). */
  readonly subjectRules?: Omit<AssertSubjectOptions, 'wildcards'>;
  /**
   * For a driver that routes in-process with a route cache (memory): it checks literal subjects itself, with
   * this kit {@link SubjectCheck} made from its `subjectRules`, calling `subjectCheck.assert(subject)` in
   * `send` before it routes a subject it has not routed before. The facade then skips its own check on
   * `publish` (one cache lookup instead of two); it still checks request and reply subjects and every pattern.
   */
  readonly subjectCheck?: SubjectCheck;
  /**
   * The driver turns bytes into payloads itself, with its own `codec` and `schema` options (nats, jetstream,
   * postgres, HTTP): the facade then validates nothing (no schema is applied twice) and leaves `codec` to it.
   * Without it, payloads travel as values (reference, structured clone): the facade applies `schema` to what
   * the driver delivers and refuses a `codec` with `invalid_argument` (there are no bytes to encode).
   */
  readonly decodes?: true;
  /** Sends one message to a literal subject. Resolves when the transport's guarantee is met (documented per transport). */
  send(subject: string, payload: unknown, options: SendOptions<P> | undefined): Promise<void>;
  /**
   * Registers interest in `pattern` (in queue group `queue`, when given) and pushes matching messages to
   * `sink`. `options` are the subscribe options, checked (the transport's own extra ones included, type `O`).
   * May throw (`unsupported`): the facade then undoes the subscription.
   */
  listen(pattern: string, queue: string | undefined, sink: Sink, options: O | undefined): Listener;
  /** Called once by the facade's constructor, before any other call. */
  attach?(context: DriverContext): void;
  /** A native request: resolves with the reply (the facade unwraps error replies and applies the signal). */
  request?(subject: string, payload: unknown, options: DriverRequestOptions): Promise<Message<unknown>>;
  /** Whether anyone listens on `subject` now (has-responders): false makes a request fail with `no_responders` before anything is sent. */
  interest?(subject: string): boolean | Promise<boolean>;
  /** Called by `close()` before the subscriptions end: wait for sends already accepted. */
  flush?(): Promise<void>;
  /** Called by `close()` after every subscription ended: release the wire. */
  close?(): void | Promise<void>;
  /** Transport-specific counters, merged into the bus's `stats`. */
  stats?(): Readonly<Record<string, number>>;
}

/** A driver whose bus answers requests: it has `request` or `interest`. */
export type RequestDriver<P extends PublishOptions = PublishOptions, O extends SubscribeOptions = SubscribeOptions> = Driver<P, O> & ({ request: NonNullable<Driver<P, O>['request']> } | { interest: NonNullable<Driver<P, O>['interest']> });
