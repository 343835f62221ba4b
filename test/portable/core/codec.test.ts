import { describe, expect, it } from 'vitest';
import { bytesCodec, cloneCodec, cloneValue, decodeWith, jsonCodec, textCodec } from '../../../src/index.js';

describe('codecs', () => {
  it('round-trip their payloads', () => {
    const json = jsonCodec<{ a: number[] }>();
    expect(json.decode(json.encode({ a: [1, 2] }))).toEqual({ a: [1, 2] });
    const text = textCodec();
    expect(text.decode(text.encode('héllo ✓'))).toBe('héllo ✓');
    const bytes = bytesCodec();
    expect(bytes.decode(bytes.encode(new Uint8Array([1, 2, 3])))).toEqual(new Uint8Array([1, 2, 3]));
    const clone = cloneCodec<Map<string, number>>();
    const map = new Map([['a', 1]]);
    expect(clone.decode(clone.encode(map))).toBe(map);
  });

  it('reject what they cannot encode with not_serializable', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => jsonCodec().encode(cyclic)).toThrow(expect.objectContaining({ code: 'not_serializable' }));
    expect(() => jsonCodec().encode(10n)).toThrow(expect.objectContaining({ code: 'not_serializable' }));
    expect(() => jsonCodec().encode(undefined)).toThrow(expect.objectContaining({ code: 'not_serializable' }));
    expect(() => jsonCodec().encode({ a: [{ b: () => 1 }] })).toThrow(expect.objectContaining({ code: 'not_serializable' }));
    expect(() => jsonCodec().encode([Symbol('s')])).toThrow(/silently drop/);
    expect(new TextDecoder().decode(jsonCodec({ strict: false }).encode({ a: 1, f: () => 1 }))).toBe('{"a":1}');
    expect(new TextDecoder().decode(jsonCodec().encode({ d: new Date(0) }))).toBe('{"d":"1970-01-01T00:00:00.000Z"}');
    expect(() => textCodec().encode(5 as unknown as string)).toThrow(expect.objectContaining({ code: 'not_serializable' }));
    expect(() => bytesCodec().encode('x' as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'not_serializable' }));
    expect(() => cloneCodec().encode({ f: () => 1 })).toThrow(expect.objectContaining({ code: 'not_serializable' }));
    expect(() => cloneCodec().encode(Symbol('s'))).toThrow(expect.objectContaining({ code: 'not_serializable' }));
    expect(() => cloneValue({ f: () => 1 })).toThrow(expect.objectContaining({ code: 'not_serializable' }));
  });

  it('turn undecodable input into decode_failed that names subject and codec', () => {
    const garbage = new Uint8Array([0x7b, 0xff, 0xfe]);
    expect(() => decodeWith(jsonCodec(), garbage, 'a.b')).toThrow(expect.objectContaining({ code: 'decode_failed', subject: 'a.b' }));
    expect(() => decodeWith(textCodec(), garbage, 'a.b')).toThrow(/could not be decoded as text/);
  });
});
