/**
 * The pure parts of the postgres transport (channel naming, the NOTIFY envelope): no database needed, so
 * they run in every runtime. The transport itself is tested against PostgreSQL in test/node/postgres*.
 */
import { describe, expect, it } from 'vitest';
import { ChannelMap } from '../../src/postgres/channel.js';
import { decodeEnvelope, encodeEnvelope, NOTIFY_PAYLOAD_LIMIT } from '../../src/postgres/envelope.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('postgres channel names', () => {
  it('is the namespace itself without partitioning', () => {
    const map = new ChannelMap('isoflux', 0);
    expect(map.forSubject(`x.${'y'.repeat(500)}`)).toBe('isoflux');
    expect(map.forPattern('>')).toBe('isoflux');
  });

  it('gives subjects and their patterns the same short, plain channel', () => {
    const map = new ChannelMap('ns', 2);
    const channel = map.forSubject('orders.eu.created');
    expect(channel).toMatch(/^ns_[0-9a-z]+$/);
    expect(new TextEncoder().encode(channel).length).toBeLessThanOrEqual(63);
    expect(map.forPattern('orders.eu.*')).toBe(channel);
    expect(map.forPattern('orders.eu.>')).toBe(channel);
    expect(map.forSubject('orders.eu')).toBe(channel);
    expect(map.forSubject('orders.us.created')).not.toBe(channel);
    expect(map.forPattern('orders')).toBe(map.forSubject('orders'));
    for (const hostile of [`'; drop table x; --`, '"q"', 'ünï🚀', 'z'.repeat(200)]) expect(map.forSubject(`${hostile}.a.b`)).toMatch(/^ns_[0-9a-z]+$/);
  });

  it('refuses wildcards in the partition tokens with unsupported', () => {
    const map = new ChannelMap('ns', 1);
    expect(() => map.forPattern('*.created')).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect(() => map.forPattern('>')).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect(map.forPattern('orders.>')).toBe(map.forSubject('orders.a.b'));
  });
});

describe('postgres NOTIFY envelope', () => {
  it('round-trips subject, id, headers and text or binary bodies', () => {
    const text = encodeEnvelope('a.b', 'id1', { 'x-h': 'v' }, utf8('{"n":1}'));
    expect(text).toBe('{"s":"a.b","i":"id1","h":{"x-h":"v"}}\n{"n":1}');
    expect(decodeEnvelope(text)).toEqual({ subject: 'a.b', id: 'id1', headers: { 'x-h': 'v' }, body: utf8('{"n":1}') });
    for (const body of [new Uint8Array([0, 1, 255]), utf8('nul\u0000inside')]) {
      const encoded = encodeEnvelope('s', 'i', undefined, body);
      expect(encoded).not.toContain('\u0000');
      expect(decodeEnvelope(encoded).body).toEqual(body);
    }
  });

  it('measures UTF-8 bytes against the 7999-byte limit', () => {
    const overhead = '{"s":"s","i":"i"}\n'.length;
    expect(() => encodeEnvelope('s', 'i', undefined, utf8('x'.repeat(NOTIFY_PAYLOAD_LIMIT - overhead)))).not.toThrow();
    expect(() => encodeEnvelope('s', 'i', undefined, utf8('x'.repeat(NOTIFY_PAYLOAD_LIMIT - overhead + 1)))).toThrow(expect.objectContaining({ code: 'payload_too_large' }));
    // 2700 three-byte characters: 2700 UTF-16 units but 8100 bytes
    expect(() => encodeEnvelope('s', 'i', undefined, utf8('€'.repeat(2700)))).toThrow(expect.objectContaining({ code: 'payload_too_large', size: 8100 + overhead }));
  });

  it('rejects what is not an envelope', () => {
    for (const bad of ['plain', '{}\nx', '[1]\nx', '{"s":"a","i":1}\nx', '{"s":"a","i":"b","h":{"k":2}}\nx', '{bad json\nx']) expect(() => decodeEnvelope(bad)).toThrow();
  });
});
