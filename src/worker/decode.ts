/**
 * Checks for everything that crosses a worker's MessagePorts. Whatever holds the other end of a port (a
 * rogue tab connecting to a SharedWorker, a rogue "worker" handed to `connectWorkerBus`) can post any
 * structured-clone value, so each check returns why a value is malformed (a short string), or undefined
 * when it is well-formed; nothing here throws. Cheap: shapes and types, no copies.
 * @module
 */
import type { Headers } from '../core/message.js';
import { EventKind, MAX_BATCH, OPEN, type EventItem, type OpenMessage } from './protocol.js';

/** Longest client id a tab may announce (it becomes part of a lock name). */
const MAX_CLIENT_ID = 128;
/** Deepest `cause` chain accepted (`toWireError` sends three levels). */
const MAX_CAUSE_DEPTH = 8;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

/** True for a plain `string → string` record. */
export function isHeaders(value: unknown): value is Headers {
  if (!isObject(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}

/** Why `value` is not a `WireMessage`, or undefined. */
export function checkWireMessage(value: unknown): string | undefined {
  if (!isObject(value)) return 'message is not an object';
  if (typeof value['subject'] !== 'string' || value['subject'].length === 0) return 'message subject is not a non-empty string';
  if (!isHeaders(value['headers'])) return 'message headers are not string → string';
  if (typeof value['id'] !== 'string') return 'message id is not a string';
  if (value['replyTo'] !== undefined && typeof value['replyTo'] !== 'string') return 'message replyTo is not a string';
  return undefined;
}

/** Why `value` is not a `WireError`, or undefined. */
export function checkWireError(value: unknown, depth = 0): string | undefined {
  if (!isObject(value)) return 'error is not an object';
  if (typeof value['name'] !== 'string' || typeof value['message'] !== 'string') return 'error lacks a string name and message';
  if (value['code'] !== undefined && typeof value['code'] !== 'string') return 'error code is not a string';
  if (value['isoflux'] !== undefined && typeof value['isoflux'] !== 'boolean') return 'error isoflux flag is not a boolean';
  if (value['isoflux'] === true && typeof value['code'] !== 'string') return 'isoflux error without a code';
  if (value['fields'] !== undefined && !isObject(value['fields'])) return 'error fields are not an object';
  if (value['cause'] === undefined) return undefined;
  if (depth >= MAX_CAUSE_DEPTH) return 'error cause chain is too deep';
  return checkWireError(value['cause'], depth + 1);
}

const CONNECTION_STATES: ReadonlySet<unknown> = new Set(['connecting', 'connected', 'reconnecting', 'offline', 'closed']);

/** Why `value` is not a `WireConnection`, or undefined. */
export function checkWireConnection(value: unknown): string | undefined {
  if (!isObject(value)) return 'connection state is not an object';
  if (!CONNECTION_STATES.has(value['state'])) return 'connection state is not a known state';
  const rtt = value['rttMs'];
  if (rtt !== null && !(typeof rtt === 'number' && Number.isFinite(rtt) && rtt >= 0)) return 'connection rttMs is neither null nor a finite number ≥ 0';
  if (typeof value['since'] !== 'number' || !Number.isFinite(value['since'])) return 'connection since is not a finite number';
  if (!Number.isSafeInteger(value['seq'])) return 'connection seq is not an integer';
  return value['lastError'] === null ? undefined : checkWireError(value['lastError']);
}

/** Why `value` is not a `Result`, or undefined; `checkValue` checks the value of a success. */
export function checkResult(value: unknown, checkValue?: (value: unknown) => string | undefined): string | undefined {
  if (!isObject(value)) return 'result is not an object';
  if (value['ok'] === true) return checkValue?.(value['value']);
  if (value['ok'] === false) return checkWireError(value['error']);
  return 'result has no boolean ok';
}

/** Why `value` is not an {@link EventItem}, or undefined. */
export function checkEventItem(value: unknown): string | undefined {
  if (!Array.isArray(value) || !isId(value[1])) return 'event is not a [kind, subscription, …] array';
  switch (value[0]) {
    case EventKind.Deliver:
      return checkWireMessage(value[2]);
    case EventKind.Ask:
      return isId(value[2]) ? checkWireMessage(value[3]) : 'ask without a call id';
    case EventKind.Ended:
      return value[2] === null ? undefined : checkWireError(value[2]);
    case EventKind.Undeliverable:
      return checkWireError(value[2]);
    case EventKind.Connection:
      return value[1] === 0 ? checkWireConnection(value[2]) : 'connection event for a subscription';
    default:
      return `unknown event kind ${typeof value[0] === 'number' ? value[0] : typeof value[0]}`;
  }
}

/**
 * Splits what arrived on the events port into well-formed events and the reasons for the others. The port
 * carries one array of events per `postMessage`.
 */
export function decodeEvents(data: unknown): { readonly items: EventItem[]; readonly problems: string[] } {
  if (!Array.isArray(data)) return { items: [], problems: ['events frame is not an array'] };
  if (data.length > MAX_BATCH) return { items: [], problems: [`events frame carries more than ${MAX_BATCH} events`] };
  const items: EventItem[] = [];
  const problems: string[] = [];
  for (let i = 0; i < data.length; i++) {
    const item: unknown = data[i];
    const problem = checkEventItem(item);
    if (problem === undefined) items.push(item as EventItem);
    else problems.push(problem);
  }
  return { items, problems };
}

/** Why `value` is not a `PublishItem`, or undefined (the subject's syntax is the hosted bus's to check). */
export function checkPublishItem(value: unknown): string | undefined {
  if (!Array.isArray(value) || typeof value[0] !== 'string') return 'publish item is not a [subject, payload, headers?, id?] array';
  if (value[2] !== undefined && !isHeaders(value[2])) return 'publish headers are not string → string';
  if (value[3] !== undefined && typeof value[3] !== 'string') return 'publish id is not a string';
  return undefined;
}

/** True for a well-formed open message (a tab connecting); `version` is checked later, by the handshake. */
export function isOpenMessage(data: unknown): data is OpenMessage {
  if (!isObject(data) || data['type'] !== OPEN) return false;
  const client = data['client'];
  if (typeof client !== 'string' || client.length === 0 || client.length > MAX_CLIENT_ID) return false;
  if (typeof MessagePort !== 'function') return false;
  return data['rpc'] instanceof MessagePort && data['events'] instanceof MessagePort && data['rpc'] !== data['events'];
}

/** True when `data` claims to be an open message (so a malformed one is worth counting, unlike the app's own messages). */
export function claimsOpen(data: unknown): boolean {
  return isObject(data) && data['type'] === OPEN;
}

/** Longest call id accepted from a tab (comlink's own ids are about 50 characters, isoflux's 22). */
const MAX_CALL_ID = 128;
/** Most arguments any session method takes. */
const MAX_ARGUMENTS = 8;

/**
 * Why a comlink message arriving at the worker is not a call isoflux makes, or undefined. Only calls of a
 * method in `methods` (one path element, raw arguments) and the proxy release pass: comlink would otherwise
 * walk any property path (`__proto__`, `constructor`) and SET values on it.
 */
export function checkCall(data: unknown, methods: ReadonlySet<string>): string | undefined {
  if (!isObject(data)) return 'call is not an object';
  const id = data['id'];
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_CALL_ID) return 'call id is not a short string';
  const path = data['path'];
  if (data['type'] === 'RELEASE') return path === undefined || (Array.isArray(path) && path.length === 0) ? undefined : 'release with a path';
  if (data['type'] !== 'APPLY') return `call type ${typeof data['type'] === 'string' ? JSON.stringify(data['type'].slice(0, 20)) : typeof data['type']} is not allowed`;
  if (!Array.isArray(path) || path.length !== 1 || typeof path[0] !== 'string' || !methods.has(path[0])) return 'call of something other than a session method';
  const args = data['argumentList'];
  if (!Array.isArray(args) || args.length > MAX_ARGUMENTS) return 'call arguments are not a short array';
  for (const arg of args) if (!isObject(arg) || arg['type'] !== 'RAW') return 'call argument is not a plain value';
  return undefined;
}

/**
 * Why a comlink message arriving at the tab is not an answer the worker would send, or undefined: a plain
 * value, or a thrown error (comlink's `throw` handler). Whether it answers a call in flight is checked apart.
 */
export function checkAnswer(data: unknown): string | undefined {
  if (!isObject(data) || typeof data['id'] !== 'string') return 'answer has no call id';
  if (data['type'] === 'RAW') return undefined;
  if (data['type'] === 'HANDLER' && data['name'] === 'throw' && isObject(data['value'])) return undefined;
  return 'answer is neither a plain value nor a thrown error';
}

/** Wraps a well-formed `result` check for hello. */
export const checkHello = (value: unknown): string | undefined =>
  checkResult(value, (v) => {
    if (!isObject(v) || typeof v['host'] !== 'string' || v['host'].length === 0 || v['host'].length > MAX_CLIENT_ID) return 'hello without a host id';
    return v['connection'] === undefined ? undefined : checkWireConnection(v['connection']);
  });

/** Checks the answer to a `publish` call of `count` items. */
export function checkPublishResults(value: unknown, count: number): string | undefined {
  if (!Array.isArray(value) || value.length !== count) return `publish results are not an array of ${count}`;
  for (const result of value) if (result !== null && checkWireError(result) !== undefined) return 'publish result is neither null nor an error';
  return undefined;
}
