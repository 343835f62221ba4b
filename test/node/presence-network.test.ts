/**
 * Presence across devices over a real nats-server: each "device" is its own NATS connection. Joins are seen
 * by everyone, an announced leave at once, a device that vanishes without a word at the next roll call, and
 * forged or malformed frames change nothing.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats, createNatsBus, type NatsBus } from '../../src/nats/index.js';
import { joinNetwork, PresenceFrameError, type NetworkPresence, type NetworkPresenceOptions, type Presence } from '../../src/presence/index.js';
import { knows, memberIds, next } from '../browser/presence-waits.js';

interface Device {
  nc: NatsConnection;
  bus: NatsBus;
}

let devices: Device[];
let presences: NetworkPresence[];
let namespace: string;
let n = 0;

beforeEach(() => {
  devices = [];
  presences = [];
  namespace = `room.p${Date.now().toString(36)}${(n++).toString(36)}`;
});
afterEach(async () => {
  await Promise.all(presences.map((p) => p.close()));
  await Promise.all(devices.map(async (d) => (await d.bus.close(), await d.nc.close())));
});

async function device(): Promise<Device> {
  const nc = await connectNats(inject('natsWsUrl'));
  const d = { nc, bus: createNatsBus(nc) };
  devices.push(d);
  return d;
}

async function join(options: Partial<NetworkPresenceOptions> = {}, on?: Device): Promise<NetworkPresence> {
  const d = on ?? (await device());
  const presence = joinNetwork(d.bus, { namespace, livenessMs: 0, ...options });
  presences.push(presence);
  await presence.ready;
  return presence;
}

const ids = (list: Presence[]): string[] => list.map((p) => p.self.id);

/** Collects reported errors; `until(n)` resolves once n have arrived. */
function errorSink(): { errors: unknown[]; onError: (error: unknown) => void; until: (count: number) => Promise<void> } {
  const errors: unknown[] = [];
  const waiters: Array<[number, () => void]> = [];
  return {
    errors,
    onError(error) {
      errors.push(error);
      for (const [count, resolve] of waiters) if (errors.length >= count) resolve();
    },
    until: (count) => (errors.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push([count, resolve]))),
  };
}

describe('network presence', () => {
  it('every member learns of every other, with its metadata, and a newcomer learns who was there', async () => {
    const ada = await join({ meta: { name: 'Ada' } });
    const bob = await join({ meta: { name: 'Bob' } });
    await Promise.all([knows(ada, ids([ada, bob])), knows(bob, ids([ada, bob]))]);
    const cy = await join({ meta: { name: 'Cy', admin: true } });
    await Promise.all([ada, bob, cy].map((p) => knows(p, ids([ada, bob, cy]))));
    expect(cy.members().find((m) => m.id === ada.self.id)?.meta).toEqual({ name: 'Ada' });
    expect(ada.members().find((m) => m.id === cy.self.id)?.meta).toEqual({ name: 'Cy', admin: true });
    expect(
      cy
        .members()
        .filter((m) => m.self)
        .map((m) => m.id),
    ).toEqual([cy.self.id]);
  });

  it('a member that closes leaves at once, with reason "left"', async () => {
    const ada = await join();
    const bob = await join();
    await knows(ada, ids([ada, bob]));
    const left = next(ada, (c) => c.kind === 'leave');
    await bob.close();
    expect(await left).toMatchObject({ kind: 'leave', reason: 'left', member: { id: bob.self.id } });
    expect(ada.members().map((m) => m.id)).toEqual([ada.self.id]);
  });

  it('a device that vanishes without a word is gone after the next roll call; a live one stays', async () => {
    const { errors, onError } = errorSink();
    const ada = await join({ answerWindowMs: 2000, onError });
    const bob = await join();
    const ghost = await device();
    const cy = await join({}, ghost);
    await knows(ada, ids([ada, bob, cy]));
    await ghost.nc.close(); // no leave frame: the connection just ends
    const gone = next(ada, (c) => c.kind === 'leave');
    await ada.rollCall();
    expect(await gone).toMatchObject({ kind: 'leave', reason: 'timeout', member: { id: cy.self.id } });
    expect(memberIds(ada)).toEqual(ids([ada, bob]).sort());
    expect(errors).toEqual([]);
  });

  it('with livenessMs set, the roll call runs by itself and finds the vanished device', async () => {
    const ada = await join({ livenessMs: 200, answerWindowMs: 1500 });
    const ghost = await device();
    const bob = await join({ livenessMs: 200, answerWindowMs: 1500 }, ghost);
    await knows(ada, ids([ada, bob]));
    const gone = next(ada, (c) => c.kind === 'leave');
    await ghost.nc.close();
    expect(await gone).toMatchObject({ reason: 'timeout', member: { id: bob.self.id } });
  });

  it('a member cut off from the server removes nobody at its roll call (no answer at all is not everyone gone)', async () => {
    const ada = await join();
    const bob = await join();
    await knows(ada, ids([ada, bob]));
    // the connection is lost: a NATS core publish made now is dropped, as nats-core does while disconnected
    const cut = joinNetwork({ publish: () => Promise.resolve(), subscribe: devices[0]!.bus.subscribe.bind(devices[0]!.bus) } as never, {
      namespace,
      livenessMs: 0,
      answerWindowMs: 300,
    });
    presences.push(cut);
    await cut.ready;
    // it still hears the others: a roll call of theirs tells it who is there
    await ada.rollCall();
    await knows(cut, [ada.self.id, bob.self.id, cut.self.id]);
    const changes: string[] = [];
    cut.onChange((c) => changes.push(c.kind));
    await cut.rollCall();
    expect(changes).toEqual([]);
    // and the others, who answer each other, still see each other
    await ada.rollCall();
    expect(memberIds(ada)).toEqual(ids([ada, bob]).sort());
  });

  it('a forged leave for a live member is ignored and reported; only its own leave counts', async () => {
    const { errors, onError, until } = errorSink();
    const ada = await join({ onError });
    const bob = await join();
    await knows(ada, ids([ada, bob]));
    const rogue = await device();
    await rogue.bus.publish(`_isoflux.presence.${namespace}`, { v: 1, kind: 'leave', id: bob.self.id, secret: 'guessedSecret0123456789' });
    await until(1);
    expect(errors[0]).toBeInstanceOf(PresenceFrameError);
    expect(String((errors[0] as Error).message)).toMatch(/secret does not match/);
    expect(ada.members().map((m) => m.id)).toContain(bob.self.id);
    const left = next(ada, (c) => c.kind === 'leave');
    await bob.close();
    expect(await left).toMatchObject({ member: { id: bob.self.id }, reason: 'left' });
  });

  it('malformed frames are dropped with a typed error, and nobody joins from them', async () => {
    const { errors, onError, until } = errorSink();
    const ada = await join({ onError });
    const rogue = await device();
    const subject = `_isoflux.presence.${namespace}`;
    const frames: unknown[] = [
      'hello',
      null,
      [1, 2],
      { v: 2, kind: 'join', id: 'x', meta: {}, commit: 'a'.repeat(43) },
      { v: 1, kind: 'join', id: 'bad id!', meta: {}, commit: 'a'.repeat(43) },
      { v: 1, kind: 'join', id: 'mallory', meta: { nested: { a: 1 } }, commit: 'a'.repeat(43) },
      { v: 1, kind: 'join', id: 'mallory', meta: { big: 'x'.repeat(2000) }, commit: 'a'.repeat(43) },
      { v: 1, kind: 'join', id: 'mallory', meta: {}, commit: 'short' },
      { v: 1, kind: 'here', id: 'mallory', meta: {}, commit: 'a'.repeat(43), token: 7 },
      { v: 1, kind: 'roll', id: 'mallory' },
      { v: 1, kind: 'dance', id: 'mallory' },
    ];
    for (const frame of frames) await rogue.bus.publish(subject, frame);
    // then a well-formed member: once it is seen, every frame before it (same connection: FIFO) was handled
    const joined = next(ada, (c) => c.kind === 'join');
    const late = await join({}, rogue);
    expect((await joined).member.id).toBe(late.self.id);
    await until(frames.length);
    expect(errors).toHaveLength(frames.length);
    for (const error of errors) expect(error).toMatchObject({ code: 'decode_failed' });
    expect(memberIds(ada)).toEqual(ids([ada, late]).sort());
  });

  it('bad options throw before anything is announced', async () => {
    const { bus } = await device();
    expect(() => joinNetwork(bus, { namespace: 'room.*' })).toThrow(/literal subject/);
    expect(() => joinNetwork(bus, { namespace: 'room', id: 'a b' })).toThrow(/member id/);
    expect(() => joinNetwork(bus, { namespace: 'room', meta: { a: [] as never } })).toThrow(/metadata/);
  });
});
