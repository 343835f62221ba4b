/**
 * The cross-tab wire format: one frame per `postMessage`, carrying a batch of items. Frames from other tabs
 * are untrusted input, so {@link parseFrame} checks every field before anything is routed.
 * @module
 */
import { isValidSubject } from '../core/subject.js';
import type { Headers } from '../core/message.js';

/** Marks a frame as isoflux's; the first field every wire version keeps, so versions can recognise each other. */
export const PROTOCOL = 'isoflux/broadcast';
/** The wire version this build speaks. A frame with another version is reported, never interpreted. */
export const WIRE_VERSION = 1;

/** Item kinds (the first element of every item). A plain object, not a `const enum`, so per-file transpilers keep it. */
export const Kind = {
  /** `[Msg, subject, payload, id?, headers?, replyTo?]`; without an id the message's id is its wire key (sender:sequence). */
  Msg: 0,
  /** `[Hello, patterns, token, isReply]`: a bus announces itself and its interest. */
  Hello: 1,
  /** `[Sub, pattern, token]`: interest in `pattern` started (first local subscription). */
  Sub: 2,
  /** `[Unsub, pattern]`: interest in `pattern` ended (last local subscription gone). */
  Unsub: 3,
  /** `[Ack, toPeer, token]`: a peer recorded the announcement `token` of `toPeer`. */
  Ack: 4,
  /** `[Taken, groupKey, keys]`: the queue-group leader accepted these messages. */
  Taken: 5,
  /** `[Bye]`: the bus closed. */
  Bye: 6,
} as const;

type K = typeof Kind;
export type MsgItem = [K['Msg'], string, unknown, (string | undefined)?, Headers?, string?];
export type HelloItem = [K['Hello'], string[], number, boolean];
export type SubItem = [K['Sub'], string, number];
export type UnsubItem = [K['Unsub'], string];
export type AckItem = [K['Ack'], string, number];
export type TakenItem = [K['Taken'], string, string[]];
export type ByeItem = [K['Bye']];
export type Item = MsgItem | HelloItem | SubItem | UnsubItem | AckItem | TakenItem | ByeItem;

/** One `postMessage`: `s` is the sequence number of the first item; item `i` has sequence `s + i`. */
export interface Frame {
  readonly p: typeof PROTOCOL;
  readonly v: number;
  readonly from: string;
  readonly s: number;
  readonly items: Item[];
}

/** What parsing found in a received frame. */
export type Parsed =
  | { readonly ok: true; readonly frame: Frame }
  | { readonly ok: false; readonly reason: 'malformed'; readonly detail: string }
  | { readonly ok: false; readonly reason: 'version'; readonly version: unknown; readonly from: string | undefined };

const MAX_PEER_ID = 64;
/**
 * Most items one frame may carry (`maxBatch` is capped to it). A structured clone can carry a sparse array
 * of length 2^32 - 1 in a few bytes: without a bound, walking it would hang the tab.
 */
export const MAX_FRAME_ITEMS = 65_536;
/** Most patterns one hello may list. */
const MAX_PATTERNS = 65_536;

function isPeerId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_PEER_ID;
}

/** Checks the frame envelope; items are checked one by one by {@link checkItem} so one bad item spares the rest. */
export function parseFrame(data: unknown): Parsed {
  if (typeof data !== 'object' || data === null) return { ok: false, reason: 'malformed', detail: `frame is a ${data === null ? 'null' : typeof data}` };
  const frame = data as Partial<Frame>;
  if (frame.p !== PROTOCOL) return { ok: false, reason: 'malformed', detail: 'frame lacks the isoflux protocol marker' };
  if (frame.v !== WIRE_VERSION) return { ok: false, reason: 'version', version: frame.v, from: isPeerId(frame.from) ? frame.from : undefined };
  if (!isPeerId(frame.from)) return { ok: false, reason: 'malformed', detail: 'frame sender id is missing or too long' };
  if (!Number.isSafeInteger(frame.s)) return { ok: false, reason: 'malformed', detail: 'frame sequence is not an integer' };
  if (!Array.isArray(frame.items)) return { ok: false, reason: 'malformed', detail: 'frame items is not an array' };
  if (frame.items.length > MAX_FRAME_ITEMS) return { ok: false, reason: 'malformed', detail: `frame carries more than ${MAX_FRAME_ITEMS} items` };
  return { ok: true, frame: frame as Frame };
}

function isHeaders(value: unknown): value is Headers {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const key in value) if (typeof (value as Record<string, unknown>)[key] !== 'string') return false;
  return true;
}

/** A dense array of at most `max` strings (a hole reads as undefined, so a sparse array fails fast). */
function isStringArray(value: unknown, max: number): value is string[] {
  if (!Array.isArray(value) || value.length > max) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
}

/**
 * Returns why `item` is malformed, or undefined when it is well-formed. Subjects of messages are checked by
 * the caller (cheaply, through the routing cache); patterns here.
 */
export function checkItem(item: unknown): string | undefined {
  if (!Array.isArray(item) || typeof item[0] !== 'number') return 'item is not a [kind, …] array';
  switch (item[0]) {
    case Kind.Msg:
      if (typeof item[1] !== 'string') return 'message lacks a subject';
      if (item[3] !== undefined && (typeof item[3] !== 'string' || item[3].length === 0)) return 'message id is not a non-empty string';
      if (item[4] !== undefined && !isHeaders(item[4])) return 'message headers are not string → string';
      if (item[5] !== undefined && (typeof item[5] !== 'string' || !isValidSubject(item[5]))) return 'message replyTo is not a subject';
      return undefined;
    case Kind.Hello:
      return isStringArray(item[1], MAX_PATTERNS) && Number.isSafeInteger(item[2]) && typeof item[3] === 'boolean' ? undefined : 'hello is malformed';
    case Kind.Sub:
      return typeof item[1] === 'string' && Number.isSafeInteger(item[2]) ? undefined : 'sub is malformed';
    case Kind.Unsub:
      return typeof item[1] === 'string' ? undefined : 'unsub is malformed';
    case Kind.Ack:
      return isPeerId(item[1]) && Number.isSafeInteger(item[2]) ? undefined : 'ack is malformed';
    case Kind.Taken:
      return typeof item[1] === 'string' && isStringArray(item[2], MAX_FRAME_ITEMS) ? undefined : 'taken is malformed';
    case Kind.Bye:
      return undefined;
    default:
      return `unknown item kind ${String(item[0])}`;
  }
}

/**
 * The key that names one message on the wire: sender and sequence. It is also the message id when the
 * publisher set none, so the id is the same in every tab without being sent (a frame stays small).
 */
export function messageKey(from: string, sequence: number): string {
  return `${from}:${sequence}`;
}

/** The BroadcastChannel name of a namespace. */
export function channelName(namespace: string): string {
  return `${PROTOCOL}/${namespace}`;
}
