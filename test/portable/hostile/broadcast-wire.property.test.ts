/**
 * Property tests of the cross-tab frame decoder (src/broadcast/wire.ts) and of the receiver that routes
 * what it accepts: thousands of generated frames per run (anything a structured clone carries, valid frames,
 * valid frames with one part replaced), each a typed drop or a correct result, never a throw or a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidSubject } from '../../../src/core/subject.js';
import { Peers } from '../../../src/broadcast/peers.js';
import { WireReceiver } from '../../../src/broadcast/receive.js';
import { LocalRoutes } from '../../../src/broadcast/routes.js';
import { Kind, MAX_FRAME_ITEMS, PROTOCOL, WIRE_VERSION, checkItem, parseFrame, type Item, type MsgItem } from '../../../src/broadcast/wire.js';
import { MAX_DECODE_MS, cloneable, hugeSparse, mutated, pattern, subject, timed } from './arbitraries.js';

const RUNS = 2000;
const peerId = fc.stringMatching(/^[a-z0-9]{1,20}$/);
const headers = fc.dictionary(fc.stringMatching(/^[a-z-]{1,10}$/), fc.string({ maxLength: 20 }), { maxKeys: 3 });

const validItem: fc.Arbitrary<Item> = fc.oneof(
  fc.tuple(subject, fc.jsonValue()).map(([s, p]): Item => [Kind.Msg, s, p]),
  fc.tuple(subject, fc.jsonValue(), fc.string({ minLength: 1, maxLength: 20 }), headers, subject).map(([s, p, id, h, r]): Item => [Kind.Msg, s, p, id, h, r]),
  fc.tuple(fc.array(pattern, { maxLength: 4 }), fc.nat(), fc.boolean()).map(([ps, t, r]): Item => [Kind.Hello, ps, t, r]),
  fc.tuple(pattern, fc.nat()).map(([p, t]): Item => [Kind.Sub, p, t]),
  pattern.map((p): Item => [Kind.Unsub, p]),
  fc.tuple(peerId, fc.nat()).map(([p, t]): Item => [Kind.Ack, p, t]),
  fc.tuple(fc.string({ maxLength: 20 }), fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 })).map(([g, k]): Item => [Kind.Taken, g, k]),
  fc.constant<Item>([Kind.Bye]),
);
const validFrame = fc.record({ p: fc.constant(PROTOCOL), v: fc.constant(WIRE_VERSION), from: peerId, s: fc.nat(), items: fc.array(validItem, { maxLength: 6 }) });
/** Valid frames, frames with one part replaced or removed, huge sparse arrays where arrays go, and anything at all. */
const hostileFrame: fc.Arbitrary<unknown> = fc.oneof(
  validFrame,
  mutated(validFrame),
  mutated(validFrame),
  validFrame.map((f) => ({ ...f, items: hugeSparse() })),
  fc.tuple(validFrame, fc.constantFrom(Kind.Hello, Kind.Taken)).map(([f, kind]) => ({ ...f, items: [kind === Kind.Hello ? [Kind.Hello, hugeSparse(), 1, false] : [Kind.Taken, 'g', hugeSparse()]] })),
  cloneable,
);

const isStrings = (v: unknown): boolean => Array.isArray(v) && v.length <= MAX_FRAME_ITEMS && Array.from(v).every((x) => typeof x === 'string');
const isHeaderRecord = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
const safeInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);

/** The reference: what a well-formed item is, written plainly, to compare the decoder against. */
function referenceIsWellFormed(item: unknown): boolean {
  if (!Array.isArray(item)) return false;
  const [kind, a, b, c, d, e] = item as unknown[];
  switch (kind) {
    case Kind.Msg:
      return typeof a === 'string' && (c === undefined || (typeof c === 'string' && c !== '')) && (d === undefined || isHeaderRecord(d)) && (e === undefined || (typeof e === 'string' && isValidSubject(e)));
    case Kind.Hello:
      return isStrings(a) && safeInt(b) && typeof c === 'boolean';
    case Kind.Sub:
      return typeof a === 'string' && safeInt(b);
    case Kind.Unsub:
      return typeof a === 'string';
    case Kind.Ack:
      return typeof a === 'string' && a.length > 0 && a.length <= 64 && safeInt(b);
    case Kind.Taken:
      return typeof a === 'string' && isStrings(b);
    case Kind.Bye:
      return true;
    default:
      return false;
  }
}

/** A receiver with a real peer table and routing table, recording what reaches the bus. */
function receiver(): { rx: WireReceiver; delivered: MsgItem[]; errors: unknown[] } {
  const delivered: MsgItem[] = [];
  const errors: unknown[] = [];
  const peers = new Peers(undefined, (id) => id, 1000);
  const routes = new LocalRoutes((g) => g, { taken: () => undefined, backlogOverflow: () => undefined }, { settleMs: 25, backlogLimit: 16 });
  const rx = new WireReceiver(
    { id: 'me', message: (_from, _s, item) => void delivered.push(item), peers, routes, announced: () => true, send: () => undefined, hello: () => undefined },
    (error) => errors.push(error),
  );
  return { rx, delivered, errors };
}

describe('broadcast frame decoder under hostile input (fast-check)', () => {
  it('parseFrame answers every value with a typed verdict, never a throw or a hang', () => {
    fc.assert(
      fc.property(hostileFrame, (data) => {
        let parsed!: ReturnType<typeof parseFrame>;
        expect(timed(() => (parsed = parseFrame(data)))).toBeLessThan(MAX_DECODE_MS);
        if (parsed.ok) {
          const f = parsed.frame;
          expect([f.p, f.v, typeof f.from, Number.isSafeInteger(f.s), Array.isArray(f.items)]).toEqual([PROTOCOL, WIRE_VERSION, 'string', true, true]);
          expect(f.from.length > 0 && f.from.length <= 64 && f.items.length <= MAX_FRAME_ITEMS).toBe(true);
        } else if (parsed.reason === 'malformed') expect(typeof parsed.detail).toBe('string');
        else expect(parsed.version).not.toBe(WIRE_VERSION);
      }),
      { numRuns: RUNS },
    );
  });

  it('checkItem agrees with a plain reference on every item, in bounded time', () => {
    const item = fc.oneof(validItem, mutated(validItem), cloneable, fc.constantFrom<unknown>([Kind.Hello, hugeSparse(), 1, true], [Kind.Taken, 'g', hugeSparse()]));
    fc.assert(
      fc.property(item, (candidate) => {
        let verdict: string | undefined;
        expect(timed(() => (verdict = checkItem(candidate)))).toBeLessThan(MAX_DECODE_MS);
        expect(verdict === undefined).toBe(referenceIsWellFormed(candidate));
      }),
      { numRuns: RUNS },
    );
  });

  it('the receiver drops and counts what is bad, routes what is good, and never throws or hangs', () => {
    const { rx, delivered, errors } = receiver();
    fc.assert(
      fc.property(hostileFrame, (data) => {
        const before = { ...rx.counters, delivered: delivered.length, errors: errors.length };
        expect(timed(() => rx.onFrame({ data } as MessageEvent))).toBeLessThan(MAX_DECODE_MS);
        const after = rx.counters;
        const parsed = parseFrame(data);
        if (!parsed.ok) {
          expect(after.malformed + after.versionMismatches).toBe(before.malformed + before.versionMismatches + 1);
          expect(delivered.length).toBe(before.delivered);
          return;
        }
        if (parsed.frame.from === 'me') {
          // a frame claiming this bus's own id is a forgery: counted and reported once, nothing delivered
          expect(after.forged).toBe(before.forged + 1);
          expect(delivered.length).toBe(before.delivered);
          expect(after.framesReceived).toBe(before.framesReceived);
          return;
        }
        const items = parsed.frame.items as unknown[];
        const good = items.filter((i) => checkItem(i) === undefined);
        const messages = good.filter((i) => (i as Item)[0] === Kind.Msg && isValidSubject((i as MsgItem)[1]));
        expect(after.framesReceived).toBe(before.framesReceived + 1);
        expect(delivered.length - before.delivered).toBe(messages.length);
        // Every drop is counted and reported as a typed error (patterns inside good items may be dropped too).
        expect(after.malformed - before.malformed).toBeGreaterThanOrEqual(items.length - good.length);
        expect(errors.length - before.errors).toBe(after.malformed - before.malformed);
        expect(errors.slice(before.errors).every((e) => (e as { code?: unknown }).code === 'decode_failed')).toBe(true);
      }),
      { numRuns: RUNS, examples: [[{ p: PROTOCOL, v: WIRE_VERSION, from: 'me', s: 0, items: [] }]] },
    );
  });
});
