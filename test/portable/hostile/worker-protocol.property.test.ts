/**
 * Property tests of the worker protocol decoders (src/worker/decode.ts, src/worker/protocol.ts): events
 * the tab receives, answers and errors from the worker, calls and publishes the worker receives. Thousands
 * of generated values per run; each gets a verdict (a string reason or undefined), never a throw or a hang,
 * and whatever passes rebuilds into a proper typed error or message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IsofluxError } from '../../../src/core/errors.js';
import { checkCall, checkEventItem, checkPublishItem, checkResult, checkWireError, checkWireMessage, decodeEvents } from '../../../src/worker/decode.js';
import { EventKind, MAX_BATCH, fromWireError, toWireError, type EventItem, type WireError } from '../../../src/worker/protocol.js';
import { MAX_DECODE_MS, cloneable, hugeSparse, mutated, subject, timed } from './arbitraries.js';

const RUNS = 2000;
const headers = fc.dictionary(fc.stringMatching(/^[a-z-]{1,10}$/), fc.string({ maxLength: 20 }), { maxKeys: 3 });
const wireMessage = fc.record({ subject, payload: fc.jsonValue(), headers, id: fc.string({ maxLength: 20 }), replyTo: fc.option(subject, { nil: undefined }) });
const wireError: fc.Arbitrary<WireError> = fc.letrec<{ error: WireError }>((tie) => ({
  error: fc.record(
    {
      name: fc.constantFrom('Error', 'TimeoutError', 'RemoteError', 'constructor', '__proto__', 'hasOwnProperty'),
      message: fc.string({ maxLength: 30 }),
      code: fc.constantFrom('timeout', 'closed', 'whatever'),
      isoflux: fc.boolean(),
      fields: fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'name', 'stack')), fc.jsonValue(), { maxKeys: 3 }),
      cause: fc.option(tie('error'), { depthSize: 'small', nil: undefined }),
    },
    { requiredKeys: ['name', 'message'] },
  ) as fc.Arbitrary<WireError>,
})).error;
const sub = fc.nat({ max: 1000 });
const eventItem: fc.Arbitrary<EventItem> = fc.oneof(
  fc.tuple(sub, wireMessage).map(([s, m]): EventItem => [EventKind.Deliver, s, m]),
  fc.tuple(sub, fc.nat(), wireMessage).map(([s, c, m]): EventItem => [EventKind.Ask, s, c, m]),
  fc.tuple(sub, fc.option(wireError, { nil: null })).map(([s, e]): EventItem => [EventKind.Ended, s, e]),
  fc.tuple(sub, wireError).map(([s, e]): EventItem => [EventKind.Undeliverable, s, e]),
);
const hostile = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof(valid, mutated(valid), mutated(valid), cloneable);

/** A rebuilt error must be a real Error with its name and message, whatever fields came with it. */
function expectSoundError(error: Error, wire: WireError): void {
  expect(error).toBeInstanceOf(Error);
  expect(Object.getPrototypeOf(Object.getPrototypeOf(error) as object)).not.toBe(null);
  expect([error.name, error.message]).toEqual([wire.name, wire.message]);
  if (wire.isoflux === true) expect(error).toBeInstanceOf(IsofluxError);
  if (wire.code !== undefined) expect((error as { code?: unknown }).code).toBe(wire.code);
}

describe('worker protocol decoders under hostile input (fast-check)', () => {
  it('events: every frame splits into well-formed events and counted problems, in bounded time', () => {
    const frame = fc.oneof(fc.array(hostile(eventItem), { maxLength: 6 }), cloneable, fc.constant(null).map(() => hugeSparse()));
    fc.assert(
      fc.property(frame, (data) => {
        let decoded!: ReturnType<typeof decodeEvents>;
        expect(timed(() => (decoded = decodeEvents(data)))).toBeLessThan(MAX_DECODE_MS);
        const total = Array.isArray(data) && data.length <= MAX_BATCH ? data.length : 1;
        expect(decoded.items.length + decoded.problems.length).toBe(total);
        for (const item of decoded.items) {
          expect(checkEventItem(item)).toBeUndefined();
          if (item[0] === EventKind.Deliver || item[0] === EventKind.Ask) expect(checkWireMessage(item[0] === EventKind.Deliver ? item[2] : item[3])).toBeUndefined();
          else if (item[0] !== EventKind.Connection && item[2] !== null) expectSoundError(fromWireError(item[2]), item[2]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('errors: what passes the check rebuilds into a sound Error (no prototype swap through __proto__ fields)', () => {
    const protoField = fc.jsonValue().map((v): unknown => ({ name: 'Error', message: 'm', fields: JSON.parse(`{"__proto__": ${JSON.stringify(v) ?? 'null'}}`) as unknown }));
    fc.assert(
      fc.property(fc.oneof(hostile(wireError), protoField), (value) => {
        const problem = checkWireError(value);
        if (problem === undefined) expectSoundError(fromWireError(value as WireError), value as WireError);
        else expect(typeof problem).toBe('string');
      }),
      { numRuns: RUNS },
    );
  });

  it('errors: a round trip through toWireError keeps class, code and cause', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.constantFrom('timeout', 'closed', 'no_responders'), (message, code) => {
        const original = new IsofluxError(code, message, { cause: new Error('inner') });
        const wire = toWireError(original);
        expect(checkWireError(wire)).toBeUndefined();
        const back = fromWireError(structuredClone(wire));
        expect(back).toMatchObject({ code, message, cause: expect.objectContaining({ message: 'inner' }) });
      }),
      { numRuns: 500 },
    );
  });

  it('results and publishes: a verdict for every value; what passes has the promised shape', () => {
    const result = fc.oneof(wireMessage.map((value) => ({ ok: true, value })), wireError.map((error) => ({ ok: false, error })));
    const publish = fc.tuple(subject, fc.jsonValue(), fc.option(headers, { nil: undefined }), fc.option(fc.string(), { nil: undefined }));
    fc.assert(
      fc.property(hostile(result), hostile(publish), (r, p) => {
        const verdict = checkResult(r, checkWireMessage);
        if (verdict === undefined) {
          const ok = (r as { ok: boolean }).ok;
          if (ok) expect(checkWireMessage((r as { value: unknown }).value)).toBeUndefined();
          else expect(fromWireError((r as { error: WireError }).error)).toBeInstanceOf(Error);
        } else expect(typeof verdict).toBe('string');
        const item = checkPublishItem(p);
        if (item === undefined) expect(typeof (p as unknown[])[0]).toBe('string');
      }),
      { numRuns: RUNS },
    );
  });

  it('calls: only a method call with plain arguments, or the proxy release, reaches comlink', () => {
    const methods = new Set(['hello', 'publish', 'request']);
    const valid = fc.record({ id: fc.string({ minLength: 1, maxLength: 30 }), type: fc.constant('APPLY'), path: fc.constantFrom(['hello'], ['publish']), argumentList: fc.array(fc.jsonValue().map((value) => ({ type: 'RAW', value })), { maxLength: 3 }) });
    const walks = fc.record({ id: fc.constant('x'), type: fc.constantFrom('GET', 'SET', 'APPLY', 'CONSTRUCT', 'ENDPOINT'), path: fc.constantFrom(['__proto__', 'polluted'], ['constructor'], ['hello', 'constructor'], ['toString'], []), value: fc.constant({ type: 'RAW', value: 1 }), argumentList: fc.constant([]) });
    fc.assert(
      fc.property(fc.oneof(hostile(valid), walks), (call) => {
        const verdict = checkCall(call, methods);
        if (verdict !== undefined) {
          expect(typeof verdict).toBe('string');
          return;
        }
        const c = call as { type: string; path?: unknown[]; argumentList?: Array<{ type: string }> };
        if (c.type === 'RELEASE') {
          expect(c.path === undefined || c.path.length === 0).toBe(true);
          return;
        }
        expect(c.type).toBe('APPLY');
        expect(c.path).toHaveLength(1);
        expect(methods.has(c.path?.[0] as string)).toBe(true);
        expect(c.argumentList?.every((a) => a.type === 'RAW')).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
