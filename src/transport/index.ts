/**
 * @module isoflux/transport — the transport kit: write a driver (send, listen, optionally request /
 * interest / flush / close), get a whole bus from {@link createBus}. Also the toolkit a driver uses:
 * buffered subscriptions, routing tables (`SubjectTrie`, `RouteTable`), ids, pending requests, reply helpers,
 * telemetry and wiretap plumbing. These live here only: the root `isoflux` entry is the contract. The guide:
 * docs/writing-a-transport.md.
 */
export { createBus } from './create-bus.js';
export { TransportBus, type BusStats } from './bus.js';
export { RequestBus } from './request-bus.js';
export type { Driver, DriverContext, RequestDriver, Listener, Sink, SendOptions, DriverRequestOptions } from './driver.js';
export { checkBusOptions, checkTimeoutMs, checkSignal, checkFunction, checkValueOptions, DEFAULT_REQUEST_TIMEOUT_MS, type BusOptions, type SchemaSubscribeOptions } from './options.js';
export { SubjectCheck } from './subject-check.js';
export { sendObserved } from './observe.js';
export { tapSettle, tappedAcker, type SettleKind } from './settle-taps.js';
export { BufferedSubscription, type SubscriptionHooks, type SubscriptionListener } from '../core/subscription.js';
export { RouteTable, QueueGroup, routeTarget, type Route } from '../core/route-table.js';
export { SubjectTrie } from '../core/subject-trie.js';
export { PendingRequests, type OpenRequest, type ReplyOutcome } from '../core/pending-requests.js';
export { ERROR_CODE_HEADER, ERROR_MESSAGE_HEADER, answering, errorReplyHeaders, unwrapReply, type SendReply } from '../core/reply.js';
export { publishWithTelemetry, type Telemetry, type PublishInfo, type PublishScope, type ConsumeInfo, type SettleOutcome } from '../core/telemetry.js';
export { subscribeArguments, resolveSubscribeOptions, type SubscribeArguments } from '../core/subscribe-args.js';
export { DeliveryTracker } from '../core/settle.js';
export { abortable } from '../core/abort.js';
export { newMessage } from '../core/message.js';
export { nextId } from '../core/id.js';
export { Taps, TAP, tapClock, type Tappable } from '../core/wiretap.js';
