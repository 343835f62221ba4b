import { afterEach, describe, expect, it } from 'vitest';
import { createBroadcastBus, WIRE_VERSION, type BroadcastBus, type BroadcastBusOptions, type MalformedFrameError, type WireVersionError } from '../../src/broadcast/index.js';
import { Inbox } from './conformance/wait.js';
import { until } from './waits.js';
import { listenedSignal } from './http-fixtures.js';

const hasBroadcastChannel = typeof BroadcastChannel === 'function';
let run = 0;

if (!hasBroadcastChannel) {
  describe('broadcast where BroadcastChannel is missing (workerd)', () => {
    it('refuses to create a bus with a typed unsupported error that says what to use instead', () => {
      expect(() => createBroadcastBus()).toThrow(expect.objectContaining({ code: 'unsupported', api: 'BroadcastChannel', message: expect.stringContaining('nats or http transport') }));
    });
  });
} else {
  describe('broadcast bus', () => {
    const open: BroadcastBus[] = [];
    const channels: BroadcastChannel[] = [];
    let namespace = '';

    /** A bus on this test's namespace; closed after the test. */
    const bus = (options: BroadcastBusOptions = {}): BroadcastBus => {
      const b = createBroadcastBus({ namespace, ...options });
      open.push(b);
      return b;
    };
    /** Two buses that know each other, like two tabs. */
    const pair = async (options: BroadcastBusOptions = {}): Promise<[BroadcastBus, BroadcastBus]> => {
      const a = bus(options);
      const b = bus(options);
      await Promise.all([a.waitForPeers(1), b.waitForPeers(1)]);
      return [a, b];
    };
    /** A raw channel on the namespace: plays a rogue or outdated tab. */
    const rawChannel = (): BroadcastChannel => {
      const c = new BroadcastChannel(`isoflux/broadcast/${namespace}`);
      channels.push(c);
      return c;
    };

    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
      for (const c of channels.splice(0)) c.close();
      namespace = '';
    });
    const fresh = (): void => {
      namespace = `bt-${Date.now().toString(36)}-${run++}`;
    };

    it('delivers to local subscribers exactly once and to the other bus exactly once', async () => {
      fresh();
      const [a, b] = await pair();
      const local = new Inbox();
      const remote = new Inbox();
      await Promise.all([a.subscribe('chat.>', local.push).ready, b.subscribe('chat.>', remote.push).ready]);
      await a.publish('chat.room1', 'hi');
      // Barrier: a duplicate from a, or an echo from b, would be posted before the end marker of the
      // same sender, and one channel delivers a sender's frames in order.
      await a.publish('chat.end', 'a');
      await local.waitFor(2);
      await remote.waitFor(2);
      await b.publish('chat.end', 'b');
      await local.waitFor(3);
      await remote.waitFor(3);
      expect([local.payloads, remote.payloads]).toEqual([['hi', 'a', 'b'], ['hi', 'a', 'b']]);
      expect(remote.messages[0]?.id).toBe(local.messages[0]?.id);
    });

    it('coalesces everything published in one tick into one postMessage, in order', async () => {
      fresh();
      const [a, b] = await pair();
      const inbox = new Inbox();
      await b.subscribe('n', inbox.push).ready;
      // Barrier: every frame a sent before this one has reached b when b has it.
      await a.publish('n', -1);
      await inbox.waitFor(1);
      const sentBefore = a.stats.framesSent;
      const receivedBefore = b.stats.framesReceived;
      for (let i = 0; i < 500; i++) void a.publish('n', i);
      await inbox.waitFor(501);
      expect(a.stats.framesSent - sentBefore).toBe(1);
      expect(b.stats.framesReceived - receivedBefore).toBe(1);
      expect(inbox.payloads).toEqual([-1, ...Array.from({ length: 500 }, (_, i) => i)]);
    });

    it('splits a burst larger than maxBatch into several frames without losing order', async () => {
      fresh();
      const [a, b] = await pair({ maxBatch: 100 });
      const inbox = new Inbox();
      await b.subscribe('n', inbox.push).ready;
      await a.publish('n', -1); // barrier, as above
      await inbox.waitFor(1);
      const before = a.stats.framesSent;
      for (let i = 0; i < 250; i++) void a.publish('n', i);
      await inbox.waitFor(251);
      expect(a.stats.framesSent - before).toBe(3);
      expect(inbox.payloads).toEqual([-1, ...Array.from({ length: 250 }, (_, i) => i)]);
    });

    it('keeps namespaces apart', async () => {
      fresh();
      const a = bus({ namespace: `${namespace}-app1` });
      const b = bus({ namespace: `${namespace}-app2` });
      const inbox = new Inbox();
      await b.subscribe('x', inbox.push).ready;
      const named = (ns: string): BroadcastChannel => {
        const c = new BroadcastChannel(`isoflux/broadcast/${ns}`);
        channels.push(c);
        return c;
      };
      const seenOnApp1: Array<{ from?: string; items?: unknown[][] }> = [];
      named(`${namespace}-app1`).onmessage = (e: MessageEvent) => seenOnApp1.push(e.data as { from?: string; items?: unknown[][] });
      await a.publish('x', 1);
      // Barrier, from the event-loop order of message tasks in one agent: once a's frame reached a listener on
      // app1, any copy of it to app2 (and b's hello to a) was queued before; a frame posted on app2 now
      // reaches b after such a copy would have.
      await until(() => seenOnApp1.some((f) => f.from === a.id && f.items?.some((item) => item[1] === 'x')), { what: "a's frame on app1" });
      named(`${namespace}-app2`).postMessage({ p: 'isoflux/broadcast', v: WIRE_VERSION, from: 'marker-tab', s: 0, items: [[0, 'x', 'marker', 'm1']] });
      await inbox.waitFor(1);
      expect(inbox.payloads).toEqual(['marker']);
      expect(a.peers).toEqual([]);
      await expect(a.request('x', 1)).rejects.toMatchObject({ code: 'no_responders' });
    });

    it('reports a tab on another wire version instead of misreading it, and answers so it can tell too', async () => {
      fresh();
      const errors: WireVersionError[] = [];
      const a = bus({ onWireError: (e: WireVersionError | MalformedFrameError) => errors.push(e as WireVersionError) });
      await a.ready;
      const inbox = new Inbox();
      await a.subscribe('x', inbox.push).ready;
      const future = rawChannel();
      const answers: unknown[] = [];
      future.onmessage = (e: MessageEvent) => answers.push(e.data);
      const frame = { p: 'isoflux/broadcast', v: WIRE_VERSION + 1, from: 'newer-tab', s: 0, items: [[0, 'x', 'misread me', 'id1']] };
      future.postMessage(frame);
      future.postMessage(frame);
      await until(() => a.stats.versionMismatches === 2 && answers.some((f) => (f as { from?: unknown }).from === a.id), { what: 'both frames refused and answered' });
      // Barrier: a frame on this bus's version from the same channel comes after both; it is the only delivery.
      future.postMessage({ p: 'isoflux/broadcast', v: WIRE_VERSION, from: 'current-tab', s: 0, items: [[0, 'x', 'marker', 'id2']] });
      await inbox.waitFor(1);
      expect(inbox.payloads).toEqual(['marker']);
      expect(a.stats.versionMismatches).toBe(2);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'unsupported', peer: 'newer-tab', remoteVersion: WIRE_VERSION + 1, localVersion: WIRE_VERSION });
      expect(answers).toContainEqual(expect.objectContaining({ p: 'isoflux/broadcast', v: WIRE_VERSION, from: a.id }));
    });

    it('drops and counts malformed frames and items from a rogue script, and still delivers the good items', async () => {
      fresh();
      const errors: MalformedFrameError[] = [];
      const a = bus({ onWireError: (e: WireVersionError | MalformedFrameError) => errors.push(e as MalformedFrameError) });
      const inbox = new Inbox();
      await a.subscribe('>', inbox.push).ready;
      const rogue = rawChannel();
      const frame = (items: unknown[]) => ({ p: 'isoflux/broadcast', v: WIRE_VERSION, from: 'rogue', s: 0, items });
      rogue.postMessage('hello');
      rogue.postMessage(null);
      rogue.postMessage({ p: 'isoflux/broadcast', v: WIRE_VERSION, from: 'rogue', s: 'x', items: [] });
      rogue.postMessage({ p: 'isoflux/broadcast', v: WIRE_VERSION, from: a.id, s: 0, items: [[0, 'spoofed', 1, 'id']] });
      rogue.postMessage(
        frame([
          [0, 'bad subject', 1, 'id1'],
          [0, 'a.*', 1, 'id2'],
          [0, 'ok.1', 1, ''],
          [0, 'ok.2', 1, 'id3', { n: 1 }],
          [0, 'ok.3', 1, 'id4', undefined, 'not a subject'],
          [99],
          'not an item',
          [2, 'a.>.b', 1],
          [0, 'ok.good', 'kept', 'id5', { h: 'v' }],
        ]),
      );
      await inbox.waitFor(1);
      rogue.postMessage(frame([[0, 'ok.end', 'end', 'id6']])); // barrier: after every frame above
      await inbox.waitFor(2);
      expect(inbox.payloads).toEqual(['kept', 'end']);
      expect(inbox.messages[0]?.headers).toEqual({ h: 'v' });
      expect(a.stats.malformed).toBe(12);
      expect(errors).toHaveLength(12);
      expect(errors.every((e) => e.code === 'decode_failed')).toBe(true);
    });

    it('fails a publish of an uncloneable payload with not_serializable, and accepts what structuredClone carries', async () => {
      fresh();
      const [a, b] = await pair();
      const inbox = new Inbox();
      await b.subscribe('x', inbox.push).ready;
      await expect(a.publish('x', { nested: [{ f: () => 1 }] })).rejects.toMatchObject({ code: 'not_serializable' });
      await expect(a.publish('x', Symbol('s'))).rejects.toMatchObject({ code: 'not_serializable' });
      const cyclic: { self?: unknown; when: Date; tags: Map<string, number>; bytes: Uint8Array } = { when: new Date(0), tags: new Map([['a', 1]]), bytes: new Uint8Array([1, 2]) };
      cyclic.self = cyclic;
      await a.publish('x', cyclic);
      const [m] = await inbox.waitFor(1);
      const got = m?.payload as typeof cyclic;
      expect(got.self).toBe(got);
      expect(got.when.getTime()).toBe(0);
      expect(got.tags.get('a')).toBe(1);
      expect([...got.bytes]).toEqual([1, 2]);
      expect(a.stats.published).toBe(1);
    });

    it('forgets a closed bus at once: its subjects then have no responders', async () => {
      fresh();
      const [a, b] = await pair();
      await b.respond('svc.echo', (m) => m.payload).ready;
      expect((await a.request('svc.echo', 'ping')).payload).toBe('ping');
      await b.close();
      await until(() => a.peers.length === 0, { what: 'a forgets the closed bus' });
      await expect(a.request('svc.echo', 'ping')).rejects.toMatchObject({ code: 'no_responders' });
    });

    it('withdraws interest when the last subscription on a pattern ends', async () => {
      fresh();
      const [a, b] = await pair();
      const sync = new Inbox();
      const s1 = b.respond('svc.x', () => 1);
      const s2 = b.respond('svc.x', () => 2);
      await Promise.all([s1.ready, s2.ready, a.subscribe('sync.*', sync.push).ready]);
      // Barrier after each unsubscribe: a b frame sent after it reaches a after whatever the unsubscribe sent.
      await s1.unsubscribe();
      await b.publish('sync.1', 1);
      await sync.waitFor(1);
      expect((await a.request('svc.x', null)).payload).toBe(2);
      await s2.unsubscribe();
      await b.publish('sync.2', 2);
      await sync.waitFor(2);
      await expect(a.request('svc.x', null)).rejects.toMatchObject({ code: 'no_responders' });
    });

    it('answers a request from a responder in the same tab without leaving it', async () => {
      fresh();
      const a = bus();
      await a.respond('math.double', (m) => (m.payload as number) * 2).ready;
      const sent = a.stats.published;
      expect((await a.request('math.double', 21)).payload).toBe(42);
      expect(a.stats.published - sent).toBe(1); // the request; the reply stayed local
    });

    it('sends an error reply when the result cannot cross to the requester', async () => {
      fresh();
      const [a, b] = await pair();
      await b.respond('svc.bad', () => ({ fn: () => 1 }), { onError: () => undefined }).ready;
      await expect(a.request('svc.bad', null)).rejects.toMatchObject({ code: 'remote_error', remoteCode: 'not_serializable' });
    });

    it('fails pending requests and waiters with closed when the bus closes', async () => {
      fresh();
      const [a, b] = await pair();
      await b.subscribe('slow', () => undefined).ready;
      const pending = a.request('slow', 1, { timeoutMs: 5000 });
      const waiting = a.waitForPeers(5);
      await a.close();
      await expect(pending).rejects.toMatchObject({ code: 'closed' });
      await expect(waiting).rejects.toMatchObject({ code: 'closed' });
      await expect(a.publish('x', 1)).rejects.toMatchObject({ code: 'closed' });
      expect(() => a.subscribe('x', () => undefined)).toThrow(expect.objectContaining({ code: 'closed' }));
    });

    it('rejects bad options with invalid_argument', () => {
      expect(() => createBroadcastBus({ namespace: '' })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
      expect(() => createBroadcastBus({ maxBatch: 0 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    });

    it('names the option in invalid_argument (readyTimeoutMs, requestTimeoutMs, signal)', () => {
      fresh();
      for (const [option, value] of [['readyTimeoutMs', 0], ['requestTimeoutMs', -1], ['signal', 'soon'], ['namespace', '']] as const) {
        expect(() => createBroadcastBus({ namespace, [option]: value })).toThrow(expect.objectContaining({ code: 'invalid_argument', option }));
      }
    });

    it('closes when its signal aborts, and lets go of the signal when closed first', async () => {
      fresh();
      const controller = new AbortController();
      const a = bus({ signal: controller.signal });
      controller.abort();
      expect(a.isClosed).toBe(true);
      const { signal, listeners } = listenedSignal();
      const b = bus({ signal });
      expect(listeners.size).toBe(1);
      await b.close();
      expect(listeners.size).toBe(0);
    });

    it('refuses queue groups with a typed unsupported error when Web Locks are off', () => {
      fresh();
      const a = bus({ locks: null });
      expect(() => a.subscribe('jobs', () => undefined, { queue: 'w' })).toThrow(expect.objectContaining({ code: 'unsupported', api: 'Web Locks' }));
    });
  });
}
