/**
 * What crosses between a tab and the worker hosting the bus: the open handshake, the session API the
 * worker exposes through comlink, the events it pushes back, and errors that keep their class, `code`,
 * fields and `cause` across the boundary (comlink alone keeps only name and message).
 * @module
 */
import {
  AbortedError, ClosedError, DecodeError, HandlerError, InvalidArgumentError, InvalidSubjectError, IsofluxError, NoRespondersError,
  NotSerializableError, PayloadTooLargeError, RemoteError, SlowConsumerError, TimeoutError, ValidationError, type ErrorCode,
} from '../core/errors.js';
import type { Headers } from '../core/message.js';

/**
 * Version of this protocol; a tab and a worker from different builds refuse each other clearly. The
 * connection state (hello's `connection`, the `Connection` event) was added without a bump: a tab without
 * it counts the events as malformed and works on; a worker without it sends none.
 */
export const PROTOCOL_VERSION = 1;
/** Marks the open message a tab posts to the worker. */
export const OPEN = 'isoflux/worker-open';
/**
 * Most publishes in one call and most events in one `postMessage`; bigger batches are split by the sender
 * and dropped by the receiver (a structured clone can carry a sparse array of length 2^32 - 1 in a few bytes).
 */
export const MAX_BATCH = 65_536;

/** Posted by a tab to the worker (or SharedWorker port), transferring its two private ports. */
export interface OpenMessage {
  readonly type: typeof OPEN;
  readonly version: number;
  /** The tab's id: its lock `isoflux/worker/client/<id>` is held while the tab lives. */
  readonly client: string;
  /** comlink calls (tab → worker). */
  readonly rpc: MessagePort;
  /** Deliveries (worker → tab), batched per tick. */
  readonly events: MessagePort;
}

/** A message as it crosses the boundary. */
export interface WireMessage {
  readonly subject: string;
  readonly payload: unknown;
  readonly headers: Headers;
  readonly id: string;
  readonly replyTo?: string | undefined;
}

/** An error as it crosses the boundary. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** The `code` of an isoflux error (or of another error that had a string `code`). */
  readonly code?: string;
  /** True when it was an isoflux error: it is rebuilt as one. */
  readonly isoflux?: boolean;
  /** Own data fields of isoflux errors (`subject`, `remoteCode`, `timeoutMs`, `issues` …). */
  readonly fields?: Record<string, unknown>;
  readonly cause?: WireError;
}

/** A result that never throws across comlink. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

/** Publish one: subject, payload, headers, id. */
export type PublishItem = [string, unknown, Headers | undefined, string | undefined];

/** The state of the network connection the worker's bus uses, as it crosses the boundary (see `WorkerBus.connection`). */
export interface WireConnection {
  readonly state: 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed';
  readonly lastError: WireError | null;
  readonly rttMs: number | null;
  /** Epoch ms of the last state change. */
  readonly since: number;
  /** Increases with every change the worker sends: a tab keeps the newest (hello and events travel on different ports). */
  readonly seq: number;
}

/** What the worker answers a tab's hello with. */
export interface HelloAnswer {
  readonly host: string;
  /** The hosted connection's state now, when the worker was given one to watch (`exposeBus`'s `connection`). */
  readonly connection?: WireConnection;
}

/** The API a worker exposes to each tab session (through comlink, on the session's private port). */
export interface SessionApi {
  hello(version: number): Result<HelloAnswer>;
  /** Publishes a tick's batch; one result per item (null = accepted). */
  publish(items: PublishItem[]): Promise<Array<WireError | null>>;
  subscribe(sub: number, pattern: string, queue: string | undefined, respond: boolean): Promise<Result<void>>;
  unsubscribe(sub: number): Promise<void>;
  request(call: number, subject: string, payload: unknown, headers: Headers | undefined, id: string | undefined, timeoutMs: number): Promise<Result<WireMessage>>;
  cancel(call: number): void;
  /** The tab's responder answered `ask` call `call`. */
  answer(call: number, result: Result<unknown>): void;
  close(): Promise<void>;
}

/** Event tags (the first element of every event item). A plain object, not a `const enum`, so per-file transpilers keep it. */
export const EventKind = {
  /** `[Deliver, sub, message]`: a message for subscription `sub`. */
  Deliver: 0,
  /** `[Ask, sub, call, message]`: a request for the tab's responder `sub`; answered with `answer(call, …)`. */
  Ask: 1,
  /** `[Ended, sub, reason]`: the worker ended the subscription (`null`: without an error). */
  Ended: 2,
  /** `[Undeliverable, sub, error]`: a message that could not be posted to the tab (reported to `onError`). */
  Undeliverable: 3,
  /** `[Connection, 0, state]`: the hosted connection's state changed (sent to every tab). */
  Connection: 4,
} as const;

type E = typeof EventKind;
/** Events pushed to the tab, batched per tick (one `postMessage` carries an array of them). */
export type EventItem =
  | [E['Deliver'], number, WireMessage]
  | [E['Ask'], number, number, WireMessage]
  | [E['Ended'], number, WireError | null]
  | [E['Undeliverable'], number, WireError]
  | [E['Connection'], 0, WireConnection];

const DATA_CLONE = 'DataCloneError';

/** Serializes `error` for the trip, `cause` included (three levels deep). */
export function toWireError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'code' || key === 'name' || key === 'message' || key === 'cause') continue;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value) || (Array.isArray(value) && isPlainData(value))) fields[key] = value;
  }
  const code = (error as { code?: unknown }).code;
  const cause = depth < 3 && error.cause !== undefined ? toWireError(error.cause, depth + 1) : undefined;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error instanceof IsofluxError ? { isoflux: true } : {}),
    fields,
    ...(cause ? { cause } : {}),
  };
}

function isPlainData(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The core error classes an error from the other side is rebuilt as, by `name`. Literal names, not
 * `cls.name`: a minifier renames classes, and the tab's and the worker's bundles need not agree.
 */
const CLASSES = new Map<string, { readonly prototype: object }>([
  ['AbortedError', AbortedError], ['ClosedError', ClosedError], ['DecodeError', DecodeError], ['HandlerError', HandlerError],
  ['InvalidArgumentError', InvalidArgumentError], ['InvalidSubjectError', InvalidSubjectError], ['NoRespondersError', NoRespondersError],
  ['NotSerializableError', NotSerializableError], ['PayloadTooLargeError', PayloadTooLargeError], ['RemoteError', RemoteError],
  ['SlowConsumerError', SlowConsumerError], ['TimeoutError', TimeoutError], ['ValidationError', ValidationError],
]);

/** Fields an error from the other side may not set: they would change its prototype or its identity. */
const RESERVED_FIELDS = new Set(['__proto__', 'constructor', 'prototype', 'name', 'message', 'stack', 'code', 'cause']);

/**
 * Rebuilds an error from the trip: same class (for core errors), `code`, message, fields and cause chain.
 * `wire` must have passed `checkWireError` (decode.ts) when it comes from the other side.
 */
export function fromWireError(wire: WireError): Error {
  const cause = wire.cause === undefined ? undefined : fromWireError(wire.cause);
  const error = wire.isoflux === true ? new IsofluxError(wire.code as ErrorCode, wire.message, { cause }) : new Error(wire.message, cause ? { cause } : undefined);
  const cls = CLASSES.get(wire.name);
  if (cls !== undefined && error instanceof IsofluxError) Object.setPrototypeOf(error, cls.prototype);
  const target = error as unknown as Record<string, unknown>;
  if (wire.fields !== undefined) for (const key of Object.keys(wire.fields)) if (!RESERVED_FIELDS.has(key)) target[key] = wire.fields[key];
  if (wire.code !== undefined && wire.isoflux !== true) target['code'] = wire.code;
  error.name = wire.name;
  return error;
}

/** `postMessage` refused a value: the typed error isoflux uses for it. */
export function asNotSerializable(error: unknown): unknown {
  return (error as { name?: unknown } | null)?.name === DATA_CLONE ? new NotSerializableError('postMessage to the worker', { cause: error }) : error;
}
