/**
 * The postgres envelope decoder and receiver against forged notifications, in every runtime (no database:
 * a stand-in `postgres` client hands the bus whatever text a hostile session could NOTIFY). Properties
 * (fast-check): every text decodes to a valid envelope or fails with a typed `EnvelopeError`; encode/decode
 * round-trips; a bus fed any mix of forged and real notifications reports each forgery, delivers each real
 * one, never throws into the client and keeps working.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidSubject, type Message } from '../../../src/index.js';
import { EnvelopeError, createPostgresBus, type PostgresBusOptions, type PostgresSql } from '../../../src/postgres/index.js';
import { decodeEnvelope, encodeEnvelope, encodeTextEnvelope } from '../../../src/postgres/envelope.js';
import { plainJsonText } from '../../../src/postgres/payload.js';
import { jsonCodec } from '../../../src/core/codec.js';
import { Inbox } from '../conformance/wait.js';

const FAULTS = ['no_metadata', 'metadata_not_json', 'not_an_envelope', 'bad_headers', 'bad_body', 'invalid_subject', 'wrong_channel'];
const params = (numRuns: number) => ({ numRuns, timeout: 2000, endOnFailure: true });

/** A stand-in `postgres` client: LISTEN registers the callback, NOTIFY (through `unsafe`) calls it at once. */
function fakeSql(): { sql: PostgresSql; notify(channel: string, payload: string): void; channels(): string[] } {
  const listeners = new Map<string, (payload: string) => void>();
  const notify = (channel: string, payload: string): void => listeners.get(channel)?.(payload);
  const sql: PostgresSql = {
    async listen(channel, onnotify, onlisten) {
      listeners.set(channel, onnotify);
      onlisten?.();
      return { unlisten: async () => void listeners.delete(channel) };
    },
    // the bus sends [channel, payloads as JSON] (one channel) or [channels as JSON, payloads as JSON]
    async unsafe(query, parameters) {
      const [channels = '[]', payloads = '[]'] = parameters ?? [];
      const texts = JSON.parse(payloads) as string[];
      texts.forEach((text, i) => notify(query.includes('rows from') ? (JSON.parse(channels) as string[])[i]! : channels, text));
      return [];
    },
  };
  return { sql, notify, channels: () => [...listeners.keys()] };
}

/** A bus on a fake client with one catch-all subscription; `errors` gets the bus's and the subscription's reports. */
async function hostileBus(options: PostgresBusOptions = {}, pattern = '>') {
  const fake = fakeSql();
  const errors: unknown[] = [];
  const bus = createPostgresBus(fake.sql, { namespace: 'hostile', onError: (e) => void errors.push(e), ...options });
  const inbox = new Inbox();
  const subscription = bus.subscribe(pattern, inbox.push, { onError: (e) => void errors.push(e) });
  await subscription.ready;
  return { bus, inbox, errors, fake, subscription };
}

const envelope = (meta: unknown, body: string): string => `${JSON.stringify(meta)}\n${body}`;

describe('postgres envelope: forged notifications', () => {
  it('decodeEnvelope throws only EnvelopeError, with a fault for each kind of forgery', () => {
    const cases: Array<[string, string]> = [
      ['plain text', 'no_metadata'],
      ['{bad json\nx', 'metadata_not_json'],
      ['[1]\nx', 'not_an_envelope'],
      ['null\nx', 'not_an_envelope'],
      [envelope({ s: 'a', i: 1 }, 'x'), 'not_an_envelope'],
      [envelope({ s: 'a', i: 'x', b: 2 }, '1'), 'not_an_envelope'],
      [envelope({ s: 'a', i: 'x', b: '1' }, 'MQ=='), 'not_an_envelope'],
      [envelope({ s: 'a', i: 'x', h: { k: 2 } }, '1'), 'bad_headers'],
      [envelope({ s: 'a', i: 'x', h: ['v'] }, '1'), 'bad_headers'],
      [envelope({ s: 'a', i: 'x', b: 1 }, 'not base64!'), 'bad_body'],
      [envelope({ s: 'a..b', i: 'x' }, '1'), 'invalid_subject'],
      [envelope({ s: 'a.*', i: 'x' }, '1'), 'invalid_subject'],
      [envelope({ s: '', i: 'x' }, '1'), 'invalid_subject'],
      [envelope({ s: 'a b', i: 'x' }, '1'), 'invalid_subject'],
    ];
    for (const [text, fault] of cases) {
      let thrown: unknown;
      try {
        decodeEnvelope(text, 'ch');
      } catch (error) {
        thrown = error;
      }
      expect([text, thrown instanceof EnvelopeError, (thrown as EnvelopeError).code, (thrown as EnvelopeError).fault]).toEqual([text, true, 'decode_failed', fault]);
    }
  });

  it('a bus reports each forgery once (typed, counted) and keeps delivering', async () => {
    const { bus, inbox, errors, fake } = await hostileBus();
    const forged = ['plain', '{"s":1}\n', envelope({ s: 'a b', i: 'x' }, 'null'), envelope({ s: 'ok', i: 'x', h: { n: 1 } }, '1'), envelope({ s: 'ok', i: 'x', b: 1 }, '***'), 'x'.repeat(7999)];
    for (const text of forged) fake.notify('hostile', text);
    await bus.publish('ok', 'real');
    await inbox.waitFor(1);
    expect(inbox.payloads).toEqual(['real']);
    expect(errors.map((e) => [e instanceof EnvelopeError, (e as EnvelopeError).fault])).toEqual([
      [true, 'no_metadata'],
      [true, 'not_an_envelope'],
      [true, 'invalid_subject'],
      [true, 'bad_headers'],
      [true, 'bad_body'],
      [true, 'no_metadata'],
    ]);
    expect(bus.stats.foreign).toBe(forged.length);
  });

  it('refuses a subject this bus would publish on another channel (partitioned bus): wrong_channel', async () => {
    const { bus, inbox, errors, fake } = await hostileBus({ partitionTokens: 1 }, 'orders.>');
    const [ordersChannel] = fake.channels();
    await bus.subscribe('users.>', () => undefined).ready;
    const usersChannel = fake.channels().find((c) => c !== ordersChannel) as string;
    // a forged orders message smuggled in on the users channel must not reach the orders subscription
    fake.notify(usersChannel, envelope({ s: 'orders.created', i: 'forged' }, '{"total":0}'));
    await bus.publish('orders.created', { total: 42 });
    await inbox.waitFor(1);
    expect(inbox.payloads).toEqual([{ total: 42 }]);
    expect(errors.map((e) => (e as EnvelopeError).fault)).toEqual(['wrong_channel']);
  });

  it('a throwing onError never throws into the postgres client, and the next message still arrives', async () => {
    const fake = fakeSql();
    const bus = createPostgresBus(fake.sql, {
      namespace: 'hostile',
      onError: () => {
        throw new Error('a buggy error handler');
      },
    });
    const inbox = new Inbox();
    await bus.subscribe('ok', inbox.push).ready;
    expect(() => fake.notify('hostile', 'forged')).not.toThrow();
    await bus.publish('ok', 1);
    expect((await inbox.waitFor(1)).map((m) => m.payload)).toEqual([1]);
    expect(bus.stats.foreign).toBe(1);
  });
});

// ---------------------------------------------------------------- properties

const token = fc.oneof(fc.stringMatching(/^[a-z0-9_-]{1,6}$/), fc.constantFrom('*', '>', '', 'a b', 'ü', 'a\u0000', 'foo*', '\ud800'));
const subjectLike = fc.array(token, { minLength: 0, maxLength: 4 }).map((t) => t.join('.'));
const headersLike = fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }), fc.jsonValue({ maxDepth: 2 }), fc.constant({ __proto__: 'x' }));
const metaLike = fc.record(
  { s: fc.oneof(subjectLike, fc.jsonValue({ maxDepth: 1 })), i: fc.oneof(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })), h: headersLike, b: fc.constantFrom(1, 0, 2, '1', true, null) },
  { requiredKeys: [] },
);
const bodyLike = fc.oneof(fc.string({ maxLength: 30 }), fc.base64String({ maxLength: 24 }), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)));
const notification = fc.oneof(
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([a, b]) => `${a}\n${b}`) },
  { weight: 4, arbitrary: fc.tuple(metaLike, bodyLike).map(([meta, body]) => envelope(meta, body)) },
);

describe('postgres envelope properties (fast-check)', () => {
  it('every text is a valid envelope or an EnvelopeError (decode_failed + fault), never another throw', () => {
    fc.assert(
      fc.property(notification, (text) => {
        let result: ReturnType<typeof decodeEnvelope>;
        try {
          result = decodeEnvelope(text, 'ch');
        } catch (error) {
          expect(error).toBeInstanceOf(EnvelopeError);
          expect((error as EnvelopeError).code).toBe('decode_failed');
          expect(FAULTS).toContain((error as EnvelopeError).fault);
          return;
        }
        expect(isValidSubject(result.subject)).toBe(true);
        expect(typeof result.id).toBe('string');
        expect(result.body).toBeInstanceOf(Uint8Array);
        if (result.headers !== undefined) for (const value of Object.values(result.headers)) expect(typeof value).toBe('string');
      }),
      params(3000),
    );
  }, 60_000);

  it('encode then decode gives back subject, id, headers and body (or payload_too_large before sending)', () => {
    const subject = fc.array(fc.stringMatching(/^[^.\s]{1,8}$/), { minLength: 1, maxLength: 4 }).map((t) => t.join('.')).filter((s) => isValidSubject(s));
    fc.assert(
      fc.property(subject, fc.string({ maxLength: 20 }), fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { minKeys: 1, maxKeys: 4 }), { nil: undefined }), fc.oneof({ weight: 9, arbitrary: fc.uint8Array({ maxLength: 200 }) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 5000, maxLength: 9000 }) }), (s, id, headers, body) => {
        let text: string;
        try {
          text = encodeEnvelope(s, id, headers, body);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('payload_too_large');
          return;
        }
        expect(decodeEnvelope(text, 'ch')).toEqual({ subject: s, id, headers, body });
      }),
      params(1200),
    );
  }, 60_000);

  it('the fast parse of the common metadata agrees with JSON.parse on every text after a primed subject', () => {
    // the reference: what the full parse (JSON.parse of the first line) makes of a text, or 'error'
    const reference = (text: string): unknown => {
      const newline = text.indexOf('\n');
      if (newline === -1) return 'error';
      let meta: unknown;
      try {
        meta = JSON.parse(text.slice(0, newline));
      } catch {
        return 'error';
      }
      if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return 'error';
      const { s, i, h, b } = meta as Record<string, unknown>;
      if (typeof s !== 'string' || typeof i !== 'string' || h !== undefined || b !== undefined || !isValidSubject(s)) return 'other';
      return { subject: s, id: i, headers: undefined, body: new TextEncoder().encode(text.slice(newline + 1)) };
    };
    const prefix = '{"s":"a.b","i":"';
    const tail = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('x"}\n1', 'x\\"}\n1', 'x\u0001"}\n', 'x"} \n1', 'x","h":{}}\n1', 'x","b":1}\nMQ==', '"}\n', 'x"}', 'x"}\r\n1', '\u0000"}\n'));
    const text = fc.tuple(tail, fc.string({ maxLength: 12 })).map(([t, rest]) => prefix + t + rest);
    fc.assert(
      fc.property(text, (t) => {
        decodeEnvelope(`${prefix}primer"}\n1`, 'ch'); // makes a.b the cached valid subject
        const expected = reference(t);
        let actual: unknown;
        try {
          actual = decodeEnvelope(t, 'ch');
        } catch (error) {
          expect(error).toBeInstanceOf(EnvelopeError);
          actual = 'error';
        }
        // 'other' (headers, base64, a foreign subject) is the full parse's business, tested above
        if (expected !== 'other') expect(actual).toEqual(expected);
      }),
      params(3000),
    );
  }, 60_000);

  it('the text envelope of plain JSON is byte for byte the codec one, and non-plain payloads are left to the codec', () => {
    const codec = jsonCodec();
    const odd = fc.constantFrom<unknown>(() => 1, Symbol('s'), 10n, undefined, new Date(0), new Map(), { toJSON: () => 'j' }, { f: () => 1 }, [Symbol('x')], Object.create(null));
    const value = fc.oneof(fc.anything({ maxDepth: 3, withNullPrototype: true, withSparseArray: true }), odd, fc.tuple(fc.anything({ maxDepth: 1 }), odd).map(([a, o]) => ({ a, o: [o] })));
    fc.assert(
      fc.property(value, (v) => {
        const text = plainJsonText(v);
        let bytes: Uint8Array | undefined;
        let thrown: unknown;
        try {
          bytes = codec.encode(v);
        } catch (error) {
          thrown = error;
        }
        if (text === undefined) return; // the bus asks the codec, as before
        expect(thrown).toBeUndefined();
        expect(encodeTextEnvelope('s', 'i', undefined, text)).toBe(encodeEnvelope('s', 'i', undefined, bytes!));
      }),
      params(3000),
    );
  }, 60_000);

  it('a bus fed forged and real notifications reports or delivers each exactly once and keeps working', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(notification, fc.jsonValue({ maxDepth: 2 }).map((v) => ({ real: v }))), { maxLength: 10 }), async (feed) => {
        const { bus, inbox, errors, fake } = await hostileBus();
        const delivered: Array<Message<unknown>> = inbox.messages;
        let real = 0;
        for (const item of feed) {
          const text = typeof item === 'string' ? item : encodeEnvelope('real', `r${real++}`, undefined, new TextEncoder().encode(JSON.stringify(item.real)));
          expect(() => fake.notify('hostile', text)).not.toThrow();
        }
        await bus.publish('sentinel', 'last');
        await inbox.waitFor(delivered.filter((m) => m.subject !== 'sentinel').length + 1);
        expect(delivered.at(-1)?.subject).toBe('sentinel');
        // every forged notification was reported with a typed error (or delivered, when it happened to be a valid envelope)
        for (const error of errors) expect(['decode_failed', 'invalid_payload']).toContain((error as { code?: string }).code);
        expect(errors.length + delivered.length).toBe(feed.length + 1);
        expect(delivered.filter((m) => m.subject === 'real').map((m) => m.id)).toEqual(Array.from({ length: real }, (_, i) => `r${i}`));
        await bus.close();
      }),
      params(600),
    );
  }, 60_000);
});
