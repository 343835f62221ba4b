/**
 * A script on the channel forging frames: goodbyes, unsubscribes and empty hellos in a live tab's name,
 * replies from peers a request never went to, guesses of inbox names, and floods. Runs wherever
 * BroadcastChannel exists (Node, Chromium with Web Locks, Deno); test/browser/hostile does it from a real
 * second page.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RANDOM_TOKEN_LENGTH } from '../../../src/core/random-token.js';
import { createBroadcastBus, WIRE_VERSION, type BroadcastBus, type BroadcastBusOptions } from '../../../src/broadcast/index.js';
import { hugeSparse } from './arbitraries.js';
import { gate, until } from '../waits.js';

const hasBroadcastChannel = typeof BroadcastChannel === 'function';
let run = 0;

/** Polls `probe` until it answers `want`; returns how long that took (throws after `limitMs`). */
async function recoveryMs(probe: () => Promise<unknown>, want: unknown, limitMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    if ((await probe()) === want) return Date.now() - start;
    if (Date.now() - start > limitMs) throw new Error(`no recovery within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const commonPrefix = (a: string, b: string): number => {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
};


if (hasBroadcastChannel) {
  describe('broadcast bus against forged frames', () => {
    const open: BroadcastBus[] = [];
    const channels: BroadcastChannel[] = [];
    const cleanupGates: Array<() => void> = [];
    let namespace = '';
    afterEach(async () => {
      for (const release of cleanupGates.splice(0)) release();
      await Promise.all(open.splice(0).map((b) => b.close()));
      for (const c of channels.splice(0)) c.close();
    });
    const bus = (options: BroadcastBusOptions = {}): BroadcastBus => {
      const b = createBroadcastBus({ namespace, onWireError: () => undefined, ...options });
      open.push(b);
      return b;
    };
    /** A requester and a responder tab that know each other, and a rogue script's raw channel. */
    const setup = async (): Promise<{ a: BroadcastBus; b: BroadcastBus; rogue: BroadcastChannel; answerSlow: () => void }> => {
      namespace = `forge-${Date.now().toString(36)}-${run++}`;
      const a = bus();
      const b = bus();
      await Promise.all([a.waitForPeers(1), b.waitForPeers(1)]);
      await b.respond('svc.echo', (m) => m.payload).ready;
      const slow = gate(); // svc.slow answers when the test says so
      cleanupGates.push(slow.open);
      await b.respond('svc.slow', async (m) => {
        await slow.promise;
        return m.payload;
      }).ready;
      const rogue = new BroadcastChannel(`isoflux/broadcast/${namespace}`);
      channels.push(rogue);
      return { a, b, rogue, answerSlow: slow.open };
    };
    const frame = (from: string, items: unknown[]): unknown => ({ p: 'isoflux/broadcast', v: WIRE_VERSION, from, s: 1_000_000, items });
    const echo = (a: BroadcastBus) => (): Promise<unknown> => a.request('svc.echo', 'ping', { timeoutMs: 500 }).then((m) => m.payload, (e: { code?: string }) => e.code);

    for (const [name, items] of [
      ['a goodbye', [[6]]],
      ['an unsubscribe', [[3, 'svc.echo']]],
      ['an empty hello', [[1, [], 0, true]]],
      ['all of them, twenty times', Array.from({ length: 20 }, () => [[6], [3, 'svc.echo'], [1, [], 0, true]]).flat()],
    ] as const) {
      it(`keeps a live tab's responders reachable after ${name} forged in its name (under 1 s)`, async () => {
        const { a, b, rogue } = await setup();
        expect(await echo(a)()).toBe('ping');
        const before = a.stats.framesReceived;
        rogue.postMessage(frame(b.id, [...items]));
        // Probe only once the forgery has reached the requester (else the first probe beats it).
        await recoveryMs(async () => a.stats.framesReceived > before, true, 1000);
        expect(await recoveryMs(echo(a), 'ping', 1000)).toBeLessThan(1000);
        expect(a.peers).toContain(b.id);
        expect(b.stats.forged).toBeGreaterThanOrEqual(1);
      });
    }

    it('drops and counts a reply from a peer the request did not go to; the real reply wins', async () => {
      const { a, rogue, answerSlow } = await setup();
      rogue.onmessage = (event: MessageEvent<{ items?: unknown[][] }>) => {
        for (const item of event.data.items ?? []) {
          const replyTo = item[0] === 0 ? item[5] : undefined;
          if (typeof replyTo !== 'string') continue;
          // Answer at once, before the slow responder, from a made-up peer and from an id of no responder.
          rogue.postMessage(frame('rogue-peer', [[0, replyTo, 'forged']]));
          rogue.postMessage(frame(a.id.replace(/.$/, 'z'), [[0, replyTo, 'forged']]));
        }
      };
      const pending = a.request('svc.slow', 'real', { timeoutMs: 2000 });
      // the real responder answers only once both forgeries were judged: they surely came first
      await until(() => a.stats.forged >= 2 && a.stats.malformed >= 2, { what: 'both forged replies seen' });
      answerSlow();
      const reply = await pending;
      expect(reply.payload).toBe('real');
      expect(a.stats.forged).toBeGreaterThanOrEqual(2);
      expect(a.stats.malformed).toBeGreaterThanOrEqual(2);
    });

    it('names every reply inbox with 128 random bits: seeing one tells nothing about the next', async () => {
      const { a, rogue } = await setup();
      const seen: string[] = [];
      rogue.onmessage = (event: MessageEvent<{ items?: unknown[][] }>) => {
        for (const item of event.data.items ?? []) if (item[0] === 0 && typeof item[5] === 'string') seen.push(item[5]);
      };
      for (let i = 0; i < 50; i++) await a.request('svc.echo', i);
      await recoveryMs(async () => seen.length, 50, 1000);
      const tokens = seen.map((s) => s.slice(`_INBOX.${a.id}.`.length));
      expect(seen.every((s) => s.startsWith(`_INBOX.${a.id}.`))).toBe(true);
      expect(tokens.every((t) => t.length >= RANDOM_TOKEN_LENGTH && /^[A-Za-z0-9_-]+$/.test(t))).toBe(true);
      // A counter behind a fixed prefix shares most characters with its neighbour; random tokens share ~0.
      const shared = tokens.slice(1).reduce((sum, t, i) => sum + commonPrefix(t, tokens[i] as string), 0) / (tokens.length - 1);
      expect(shared).toBeLessThan(2);
      expect(new Set(tokens).size).toBe(tokens.length);
    });

    it('survives a flood of huge sparse frames in bounded time and keeps serving', async () => {
      const { a, rogue } = await setup();
      for (let i = 0; i < 20; i++) {
        rogue.postMessage(frame('flooder', hugeSparse()));
        rogue.postMessage(frame('flooder', [[1, hugeSparse(), 1, false], [5, 'g', hugeSparse()]]));
      }
      expect(await recoveryMs(echo(a), 'ping', 3000)).toBeLessThan(3000);
      await recoveryMs(async () => a.stats.malformed >= 60, true, 3000);
    });
  });
} else {
  describe('broadcast forgery (no BroadcastChannel here)', () => {
    it('has nothing to forge: the bus refuses to start', () => {
      expect(() => createBroadcastBus()).toThrow(expect.objectContaining({ code: 'unsupported' }));
    });
  });
}
