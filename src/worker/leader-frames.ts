/**
 * What crosses the BroadcastChannel between a leader tab and its followers, and the checks every frame
 * passes before it is used. The channel is open to every script of the origin, so each frame is treated as
 * hostile: its shape is checked here, its sender and call id by the receiver (only the elected leader's
 * replies to calls in flight count), and the events it carries by `decodeEvents` as on a worker's port.
 * @module
 */
import type { SessionApi } from './protocol.js';

/** Marks every frame of this protocol. */
export const LEADER_FRAME = 'isoflux/leader';
/** Version of the frame format; frames of another version are dropped as malformed. */
export const LEADER_VERSION = 1;
/** Longest tab or host id accepted (isoflux's ids are 22 characters). */
const MAX_ID = 64;
/** Most arguments a session method takes. */
const MAX_ARGUMENTS = 8;

/** Frame kinds. */
export const FrameKind = {
  /** Follower → leader: call `op` of the follower's session with `args`. */
  Call: 0,
  /** Leader → follower: the answer to call `call`. */
  Reply: 1,
  /** Leader → follower: a batch of session events (deliveries, asks, ended, connection state). */
  Events: 2,
  /** Leader → everyone: "I am the leader, my host id is `from`" (sent when elected and when asked). */
  Leader: 3,
  /** Anyone → leader: "who leads?" (a tab that just opened, or lost its leader). */
  Who: 4,
} as const;

/** The session methods a follower may call. */
export type SessionOp = keyof SessionApi;
/** Every session method, the ones a follower may call over the channel. */
export const SESSION_OPS: ReadonlySet<string> = new Set<SessionOp>(['hello', 'publish', 'subscribe', 'unsubscribe', 'request', 'cancel', 'answer', 'close']);
/** Session methods that answer (the others, `cancel` and `answer`, are one-way). */
export const ANSWERING: ReadonlySet<string> = new Set<SessionOp>(['hello', 'publish', 'subscribe', 'unsubscribe', 'request', 'close']);

type K = typeof FrameKind;
interface Base {
  readonly t: typeof LEADER_FRAME;
  readonly v: number;
  /** The sender's id: a tab id for calls and questions, the host id for everything the leader sends. */
  readonly from: string;
}
/** A call from a follower to its session in the leader. */
export interface CallFrame extends Base {
  readonly k: K['Call'];
  readonly to: string;
  readonly call: number;
  readonly op: SessionOp;
  readonly args: unknown[];
}
/** The leader's answer to one call. */
export interface ReplyFrame extends Base {
  readonly k: K['Reply'];
  readonly to: string;
  readonly call: number;
  readonly value: unknown;
}
/** Session events for one follower (each item checked by `decodeEvents`). */
export interface EventsFrame extends Base {
  readonly k: K['Events'];
  readonly to: string;
  readonly items: unknown;
}
/** A leader announcing itself, or a tab asking who leads. */
export interface AnnounceFrame extends Base {
  readonly k: K['Leader'] | K['Who'];
}
/** Every frame of the protocol. */
export type LeaderFrame = CallFrame | ReplyFrame | EventsFrame | AnnounceFrame;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_ID;
const isCallId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/** Why `data` is not a well-formed frame, or undefined. */
export function checkLeaderFrame(data: unknown): string | undefined {
  if (!isObject(data) || data['t'] !== LEADER_FRAME) return 'not an isoflux leader frame';
  if (data['v'] !== LEADER_VERSION) return `frame version ${typeof data['v'] === 'number' ? data['v'] : typeof data['v']} is not ${LEADER_VERSION} (tabs of different builds)`;
  if (!isId(data['from'])) return 'frame sender is not a short id';
  switch (data['k']) {
    case FrameKind.Leader:
    case FrameKind.Who:
      return undefined;
    case FrameKind.Call: {
      if (!isId(data['to']) || !isCallId(data['call'])) return 'call without a host and call id';
      if (typeof data['op'] !== 'string' || !SESSION_OPS.has(data['op'])) return 'call of something other than a session method';
      const args = data['args'];
      return Array.isArray(args) && args.length <= MAX_ARGUMENTS ? undefined : 'call arguments are not a short array';
    }
    case FrameKind.Reply:
      return isId(data['to']) && isCallId(data['call']) ? undefined : 'reply without a tab and call id';
    case FrameKind.Events:
      return isId(data['to']) && Array.isArray(data['items']) ? undefined : 'events without a tab and an array of events';
    default:
      return 'unknown frame kind';
  }
}

/** Builds a frame (the fields every frame carries added). */
export function frame<F extends LeaderFrame>(fields: Omit<F, 't' | 'v'>): F {
  return { t: LEADER_FRAME, v: LEADER_VERSION, ...fields } as F;
}
