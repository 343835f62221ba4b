/**
 * The receiving side of the wire: frames from other tabs are untrusted, so each is checked, a bad frame or
 * item is dropped and counted (reported through `onWireError`, never thrown into the app), and a frame from
 * another wire version is reported once per peer instead of being misread.
 * @module
 */
import { assertSubject, isValidSubject } from '../core/subject.js';
import { ForgedFrameError, MalformedFrameError, WireVersionError } from './errors.js';
import type { Peers } from './peers.js';
import type { LocalRoutes } from './routes.js';
import { Kind, WIRE_VERSION, checkItem, parseFrame, type HelloItem, type Item, type MsgItem } from './wire.js';

/** What the receiver counted. */
export interface WireCounters {
  /** Frames accepted from other tabs. */
  readonly framesReceived: number;
  /** Messages received from other tabs (matching a local subscription or not). */
  readonly received: number;
  /** Frames or items dropped as malformed or forged (forged ones are also in `forged`). */
  readonly malformed: number;
  /**
   * Frames or items dropped as forged: a reply from a peer its request did not go to, or a frame claiming
   * this bus's own id (this bus then re-announces itself, undoing a forged goodbye or unsubscribe).
   */
  readonly forged: number;
  /** Frames dropped because they came from another wire version. */
  readonly versionMismatches: number;
}

/** What the receiver needs from its bus. */
export interface ReceiverHost {
  readonly id: string;
  /** Routes a message; returns why it was dropped as forged, if it was. */
  message(from: string, sequence: number, item: MsgItem): string | undefined;
  readonly peers: Peers;
  readonly routes: LocalRoutes;
  /** True once the bus holds its presence lock and said hello: only then may it send control items. */
  announced(): boolean;
  send(item: Item): void;
  hello(isReply: boolean): void;
}

/** Fastest rate of re-announcing after forged frames: a flood of them costs at most one hello per this many ms. */
const REANNOUNCE_MS = 20;

const warned = new Set<string>();

/** Default `onWireError`: one console warning per error kind per page, so a rogue script cannot flood the console. */
function warnOnce(error: WireVersionError | MalformedFrameError): void {
  // A forged frame warns apart from a merely malformed one: it means a script is attacking the channel.
  if (warned.has(error.name)) return;
  warned.add(error.name);
  console.warn(`[isoflux] ${error.message} (further ones are only counted in bus.stats)`);
}

/** Turns frames into calls on the bus. */
export class WireReceiver {
  readonly #host: ReceiverHost;
  readonly #report: (error: WireVersionError | MalformedFrameError) => void;
  /** Peers already told about a version mismatch (bounded: a hostile sender can invent ids). */
  readonly #mismatched = new Set<string>();
  #framesReceived = 0;
  #received = 0;
  #malformed = 0;
  #forged = 0;
  #versionMismatches = 0;
  #reannouncedAt = -Infinity;
  #reannounceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: ReceiverHost, onWireError: ((error: WireVersionError | MalformedFrameError) => void) | undefined) {
    this.#host = host;
    this.#report = onWireError ?? warnOnce;
  }

  get counters(): WireCounters {
    return { framesReceived: this.#framesReceived, received: this.#received, malformed: this.#malformed, forged: this.#forged, versionMismatches: this.#versionMismatches };
  }

  /** The BroadcastChannel `message` listener. */
  readonly onFrame = (event: MessageEvent): void => {
    const parsed = parseFrame(event.data);
    if (!parsed.ok) {
      if (parsed.reason === 'malformed') return this.#drop(parsed.detail);
      return this.#versionMismatch(parsed.from, parsed.version);
    }
    const { from, s, items } = parsed.frame;
    if (from === this.#host.id) {
      // Only a forgery reaches here (a BroadcastChannel never hands a bus its own posts): whatever it
      // claimed (goodbye, unsubscribe, an empty hello), the peers heard it too, so set them right.
      this.#forgery('a frame claims to come from this bus');
      return this.#reannounce();
    }
    this.#framesReceived++;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as Item;
      const problem = checkItem(item);
      if (problem !== undefined) this.#drop(problem);
      else this.#item(from, s + i, item);
    }
  };

  /** The BroadcastChannel `messageerror` listener: a frame the browser could not deserialize. */
  readonly onUndecodable = (): void => this.#drop('the browser could not deserialize a frame');

  #item(from: string, sequence: number, item: Item): void {
    const host = this.#host;
    switch (item[0]) {
      case Kind.Msg: {
        this.#received++;
        if (host.routes.cached(item[1]) === undefined && !isValidSubject(item[1])) return this.#drop(`invalid subject ${JSON.stringify(item[1].slice(0, 100))}`);
        const forged = host.message(from, sequence, item);
        return forged === undefined ? undefined : this.#forgery(forged);
      }
      case Kind.Hello:
        return this.#hello(from, item);
      case Kind.Sub:
        if (!isValidPattern(item[1])) return this.#drop('sub with an invalid pattern');
        host.peers.sub(from, item[1]);
        if (host.announced()) host.send([Kind.Ack, from, item[2]]);
        return;
      case Kind.Unsub:
        return host.peers.unsub(from, item[1]);
      case Kind.Ack:
        if (item[1] === host.id) host.peers.ack(from, item[2]);
        return;
      case Kind.Taken:
        return host.routes.group(item[1])?.taken(item[2]);
      case Kind.Bye:
        return host.peers.bye(from);
    }
  }

  #hello(from: string, item: HelloItem): void {
    const host = this.#host;
    const patterns = item[1].filter(isValidPattern);
    if (patterns.length !== item[1].length) this.#drop('hello with an invalid pattern');
    host.peers.hello(from, patterns);
    if (!host.announced()) return; // our own hello, still to come, reaches this peer too
    if (item[2] !== 0) host.send([Kind.Ack, from, item[2]]);
    if (!item[3]) host.hello(true);
  }

  #drop(detail: string): void {
    this.#malformed++;
    this.#safely(new MalformedFrameError(detail));
  }

  /**
   * Someone sent a frame in this bus's name: tell the peers again what this bus really subscribes to (a
   * reply hello: nobody acks or answers it). At once, then at most once per {@link REANNOUNCE_MS}, always
   * once after the last forged frame of a burst, so the peers end up with the truth.
   */
  #reannounce(): void {
    if (!this.#host.announced() || this.#reannounceTimer !== undefined) return;
    const wait = this.#reannouncedAt + REANNOUNCE_MS - Date.now();
    const announce = (): void => {
      this.#reannounceTimer = undefined;
      this.#reannouncedAt = Date.now();
      if (this.#host.announced()) this.#host.hello(true);
    };
    if (wait <= 0) announce();
    else this.#reannounceTimer = setTimeout(announce, wait);
  }

  #forgery(detail: string): void {
    this.#malformed++;
    this.#forged++;
    this.#safely(new ForgedFrameError(detail));
  }

  #versionMismatch(from: string | undefined, version: unknown): void {
    this.#versionMismatches++;
    const key = from ?? '';
    if (this.#mismatched.has(key) || this.#mismatched.size >= 64) return;
    this.#mismatched.add(key);
    this.#safely(new WireVersionError(from, version, WIRE_VERSION));
    // Answer once, so the other build learns about us too and reports it on its side.
    if (this.#host.announced()) this.#host.hello(true);
  }

  #safely(error: WireVersionError | MalformedFrameError): void {
    try {
      this.#report(error);
    } catch {
      // a throwing onWireError must not break the channel listener
    }
  }
}

function isValidPattern(pattern: string): boolean {
  try {
    assertSubject(pattern, { wildcards: true });
    return true;
  } catch {
    return false;
  }
}
