/**
 * What `WorkerBus` and `LeaderBus` share on top of the kit's facade: the session driver, the hosted
 * connection's state, and `respond`, whose subscription is marked so the host asks the tab's responder
 * (see {@link RESPONDER}).
 * @module
 */
import type { PublishOptions, Subscription } from '../core/interfaces.js';
import type { Message } from '../core/message.js';
import type { AnyTopics, PatternPayload, SubscribePattern, TopicMap } from '../core/topics.js';
import type { BusStats } from '../transport/bus.js';
import type { BusOptions, SchemaSubscribeOptions } from '../transport/options.js';
import { RequestBus } from '../transport/request-bus.js';
import type { WorkerConnection } from './connection.js';
import { RESPONDER, type SessionDriver } from './session-driver.js';

/** A facade-built bus on a {@link SessionDriver}: the base of `WorkerBus` and `LeaderBus`. */
export abstract class SessionBus<M extends TopicMap = AnyTopics, S extends BusStats = BusStats> extends RequestBus<M, PublishOptions, S, SchemaSubscribeOptions> {
  /** The session wire behind this bus. */
  protected readonly session: SessionDriver;

  constructor(session: SessionDriver, options: BusOptions) {
    super(session, options);
    this.session = session;
  }

  /**
   * The state of the host's network connection (connecting / connected / reconnecting / offline / closed,
   * last error, round-trip time), the same in every tab: read `connection.current` or `connection.subscribe(fn)`.
   * Needs the host to watch one (`exposeBus(bus, { connection: watchConnection(nc) })`, `LeaderHosting.connection`);
   * without it this shows the tab's link to the host (`connected`, then `closed` when the bus closes or the
   * worker dies; `reconnecting` during a leader tab's handover).
   */
  get connection(): WorkerConnection {
    return this.session.connection;
  }

  /**
   * Answers requests on `pattern` in the host: the host's bus responds, hands each request to this tab and
   * waits for the handler's result (at most the host's `answerTimeoutMs`; a tab that closes meanwhile fails
   * the request with `closed` at once). A thrown error reaches the requester as `remote_error`.
   */
  override respond<Pat extends string, R = unknown>(
    pattern: SubscribePattern<M, Pat>,
    handler: (message: Message<PatternPayload<M, Pat>>) => R | Promise<R>,
    options?: SchemaSubscribeOptions,
  ): Subscription<PatternPayload<M, Pat>> {
    return super.respond(pattern, handler, { ...options, [RESPONDER]: true } as SchemaSubscribeOptions);
  }
}
