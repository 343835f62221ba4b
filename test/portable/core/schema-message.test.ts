import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { z } from 'zod';
import { ClosedError, IsofluxError, createMessage, isIsofluxError, validate, type Acker } from '../../../src/index.js';

describe('Standard Schema validation', () => {
  const order = z.object({ id: z.string(), total: z.number().positive() });

  it('returns the parsed value with zod and valibot', async () => {
    expect(await validate(order, { id: 'a', total: 3 }, 'orders.created')).toEqual({ id: 'a', total: 3 });
    expect(await validate(v.object({ n: v.number() }), { n: 1 }, 's')).toEqual({ n: 1 });
  });

  it('rejects invalid payloads with invalid_payload, naming the path', async () => {
    const error = await validate(order, { id: 7, total: -1 }, 'orders.created').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_payload', subject: 'orders.created' });
    expect((error as Error).message).toMatch(/id: /);
    expect((error as Error).message).toMatch(/total: /);
    await expect(validate(v.string(), 1, 's')).rejects.toMatchObject({ code: 'invalid_payload' });
  });
});

describe('Message', () => {
  it('has harmless no-op ack/nak/term/inProgress without an acker', async () => {
    const m = createMessage({ subject: 's', payload: 1 });
    expect(m.hasAcker).toBe(false);
    await m.ack();
    await m.nak(10);
    await m.term('x');
    await m.inProgress();
    expect(m.delivery.attempt).toBe(1);
    expect(m.headers).toEqual({});
    expect(m.id).toBe(m.id);
  });

  it('settles once with its acker', async () => {
    const calls: string[] = [];
    const acker: Acker = {
      ack: async () => void calls.push('ack'),
      nak: async (d) => void calls.push(`nak:${d}`),
      term: async (r) => void calls.push(`term:${r}`),
      inProgress: async () => void calls.push('wip'),
    };
    const m = createMessage({ subject: 's', payload: 1, acker });
    expect(m.hasAcker).toBe(true);
    await m.inProgress();
    await m.nak(250);
    await m.ack();
    await m.term('late');
    await m.inProgress();
    expect(calls).toEqual(['wip', 'nak:250']);
    expect(m.settled).toBe(true);
  });

  it('makes distinct ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => createMessage({ subject: 's', payload: 0 }).id));
    expect(ids.size).toBe(1000);
  });
});

describe('errors', () => {
  it('carry a stable code and a class name', () => {
    const e = new ClosedError('Thing');
    expect(e).toBeInstanceOf(IsofluxError);
    expect(e.name).toBe('ClosedError');
    expect(isIsofluxError(e, 'closed')).toBe(true);
    expect(isIsofluxError(e, 'timeout')).toBe(false);
    expect(isIsofluxError(new Error('x'))).toBe(false);
  });
});
