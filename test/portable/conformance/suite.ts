/**
 * The conformance suite: written once, run against every transport in every runtime. A transport's test
 * file calls `describeConformance(transport)`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../../src/index.js';
import { afterMarker, Inbox, MARKER, ready, real, sleep } from './wait.js';
import { gate } from '../waits.js';
import { expectServerSubjectAnswers } from './subject-answers.js';
import { schemaCases } from './schema.js';
import type { Endpoint, PublishingEndpoint, TransportUnderTest } from './transport.js';

/** Registers the conformance tests for `t`. */
export function describeConformance(t: TransportUnderTest): void {
  const timeout = t.deliveryTimeoutMs ?? 2000;

  describe(`conformance: ${t.name}${t.publisherOnly ? ' (publisher only)' : ''}`, () => {
    let pub: PublishingEndpoint;
    let sub: Endpoint;
    let close: () => Promise<void>;
    let n = 0;
    /** A subject prefix no other test (or earlier run against a shared server) uses. */
    let root: string;

    beforeEach(async () => {
      root = `cf${Date.now().toString(36)}${(n++).toString(36)}`;
      ({ publisher: pub, subscriber: sub, close } = await t.connect(root));
    });
    /** Run before `close`, even when the test failed (opens gates a responder still waits on). */
    const afterTest: Array<() => void> = [];
    afterEach(async () => {
      for (const fn of afterTest.splice(0)) fn();
      await close();
    });

    it('delivers subject, payload, headers and id', async () => {
      const inbox = new Inbox();
      const s = sub.subscribe(`${root}.orders.created`, inbox.push);
      await ready(s);
      await pub.publish(`${root}.orders.created`, { total: 42, items: ['a'] }, { headers: { 'x-tenant': 't1' }, id: 'order-1' });
      const [m] = await inbox.waitFor(1, timeout);
      expect(m?.subject).toBe(`${root}.orders.created`);
      expect(m?.payload).toEqual({ total: 42, items: ['a'] });
      expect(m?.headers['x-tenant']).toBe('t1');
      expect(m?.id).toBe('order-1');
    });

    it('gives every message an id when the publisher sets none', async () => {
      const inbox = new Inbox();
      await ready(sub.subscribe(`${root}.a`, inbox.push));
      await pub.publish(`${root}.a`, 1);
      await pub.publish(`${root}.a`, 2);
      const [a, b] = await inbox.waitFor(2, timeout);
      expect(typeof a?.id).toBe('string');
      expect(a?.id.length).toBeGreaterThan(0);
      expect(a?.id).not.toBe(b?.id);
    });

    it('matches `*` on one token and `>` on one or more', async () => {
      const star = new Inbox();
      const tail = new Inbox();
      await ready(sub.subscribe(`${root}.*.created`, star.push), sub.subscribe(`${root}.orders.>`, tail.push));
      for (const s of ['orders.created', 'users.created', 'orders.eu.created', 'orders', 'orders.x.y.z']) {
        await pub.publish(`${root}.${s}`, s);
      }
      await star.waitFor(2, timeout);
      await tail.waitFor(3, timeout);
      await afterMarker(() => pub.publish(`${root}.orders.created`, MARKER), [star, tail], timeout);
      expect(real(star).sort()).toEqual(['orders.created', 'users.created']);
      expect(real(tail).sort()).toEqual(['orders.created', 'orders.eu.created', 'orders.x.y.z']);
    });

    it('broadcasts to every subscriber, in publish order', async () => {
      const inboxes = [new Inbox(), new Inbox(), new Inbox()];
      await ready(...inboxes.map((i) => sub.subscribe(`${root}.seq`, i.push)));
      for (let i = 0; i < 50; i++) await pub.publish(`${root}.seq`, i);
      for (const inbox of inboxes) {
        await inbox.waitFor(50, timeout);
        expect(inbox.payloads).toEqual(Array.from({ length: 50 }, (_, i) => i));
      }
    });

    it('stops delivery on unsubscribe, on abort and on `await using`', async () => {
      const a = new Inbox();
      const b = new Inbox();
      const c = new Inbox();
      const controller = new AbortController();
      const sa = sub.subscribe(`${root}.x`, a.push);
      const sb = sub.subscribe(`${root}.x`, b.push, { signal: controller.signal });
      const live = new Inbox(); // stays subscribed: the barrier below
      await ready(sa, sb, sub.subscribe(`${root}.x`, live.push));
      {
        await using sc = sub.subscribe(`${root}.x`, c.push);
        await ready(sc);
        await pub.publish(`${root}.x`, 1);
        await c.waitFor(1, timeout);
      }
      await a.waitFor(1, timeout);
      await b.waitFor(1, timeout);
      await sa.unsubscribe();
      controller.abort();
      expect(await sb.closed).toBeUndefined();
      expect(sa.isClosed && sb.isClosed).toBe(true);
      await pub.publish(`${root}.x`, 2);
      // Barrier: the subscriber still open on the same subject, on the same endpoint, gets a marker after 2.
      await afterMarker(() => pub.publish(`${root}.x`, MARKER), [live], timeout);
      expect([a.payloads, b.payloads, c.payloads]).toEqual([[1], [1], [1]]);
      expect(real(live)).toEqual([1, 2]);
    });

    it('closes at once when the signal has already aborted', async () => {
      const s = sub.subscribe(`${root}.x`, () => undefined, { signal: AbortSignal.abort() });
      await s.closed;
      expect(s.isClosed).toBe(true);
    });

    it('can be consumed with `for await`, and breaking out unsubscribes', async () => {
      const s = sub.subscribe(`${root}.it`);
      await ready(s);
      for (let i = 0; i < 3; i++) await pub.publish(`${root}.it`, i);
      const seen: unknown[] = [];
      for await (const m of s) {
        seen.push(m.payload);
        if (seen.length === 3) break;
      }
      expect(seen).toEqual([0, 1, 2]);
      expect(s.isClosed).toBe(true);
    });

    it('fetch waits for at least one message, returns up to max, and gives [] on abort', async () => {
      const s = sub.subscribe(`${root}.pull`);
      await ready(s);
      const pending = s.fetch(10, { timeoutMs: timeout });
      await pub.publish(`${root}.pull`, 'first');
      expect((await pending).map((m) => m.payload)).toEqual(['first']);
      for (let i = 0; i < 5; i++) await pub.publish(`${root}.pull`, i);
      const batch: unknown[] = [];
      while (batch.length < 5) batch.push(...(await s.fetch(3, { timeoutMs: timeout })).map((m) => m.payload));
      expect(batch).toEqual([0, 1, 2, 3, 4]);
      const controller = new AbortController();
      const waiting = s.fetch(1, { signal: controller.signal });
      controller.abort(); // nothing was published: only the abort can end this fetch
      expect(await waiting).toEqual([]);
      await s.unsubscribe();
    });

    it('reports a throwing handler and keeps delivering', async () => {
      const errors: unknown[] = [];
      const inbox = new Inbox();
      const s = sub.subscribe(
        `${root}.boom`,
        (m) => {
          if (m.payload === 'bad') throw new Error('handler exploded');
          inbox.push(m);
        },
        { onError: (e) => errors.push(e) },
      );
      await ready(s);
      await pub.publish(`${root}.boom`, 'bad');
      await pub.publish(`${root}.boom`, 'good');
      await inbox.waitFor(1, timeout);
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).message).toBe('handler exploded');
      expect(s.stats.failed).toBe(1);
      expect(s.isClosed).toBe(false);
    });

    schemaCases(t, () => ({ pub, sub, root }), timeout);

    it('treats a token that merely contains `*` or `>` as a literal, as nats-server does', async () => {
      const literal = new Inbox();
      const star = new Inbox();
      const other = new Inbox();
      await ready(sub.subscribe(`${root}.a*`, literal.push), sub.subscribe(`${root}.*`, star.push), sub.subscribe(`${root}.ab`, other.push));
      for (const s of ['a*', '>b', 'ab']) await pub.publish(`${root}.${s}`, s);
      await literal.waitFor(1, timeout);
      await star.waitFor(3, timeout);
      await other.waitFor(1, timeout);
      await afterMarker(() => pub.publish(`${root}.a*`, MARKER), [literal, star], timeout);
      await afterMarker(() => pub.publish(`${root}.ab`, MARKER), [other], timeout);
      expect(real(literal)).toEqual(['a*']);
      expect(real(star).sort()).toEqual(['>b', 'a*', 'ab']);
      expect(real(other)).toEqual(['ab']);
    });

    it('agrees with a real nats-server on the stored subject sample (accepted? delivered?)', async () => {
      // (it only publishes through `pub`; its parameter type is still the full Endpoint)
      await expectServerSubjectAnswers(pub as Endpoint, sub, root, t, timeout);
    }, 30_000);

    describe('bad input', () => {
      it('rejects publishing to a wildcard or malformed subject with invalid_subject (a rejection, never a throw)', async () => {
        for (const subject of [`${root}.*`, `${root}.>`, '', `${root}..x`, `${root}.a b`, `${root}.`, `${root}.a\r\nb`, 42 as unknown as string]) {
          let pending: Promise<void> | undefined;
          expect(() => (pending = pub.publish(subject, 1))).not.toThrow();
          await expect(pending).rejects.toMatchObject({ code: 'invalid_subject' });
        }
      });

      it('rejects malformed patterns with invalid_subject', () => {
        for (const pattern of ['', `${root}.>.x`, `${root}..x`, `${root}.a\tb`, `${root}.>.>`, null as unknown as string]) {
          expect(() => sub.subscribe(pattern, () => undefined)).toThrow(expect.objectContaining({ code: 'invalid_subject' }));
        }
      });

      it('rejects impossible options with invalid_argument', () => {
        expect(() => sub.subscribe(`${root}.x`, () => undefined, { bufferSize: 0 })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
        expect(() => sub.subscribe(`${root}.x`, () => undefined, { overflow: 'explode' as never })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
      });

      it('rejects a payload the transport cannot carry with not_serializable', async () => {
        const payload = { callback: () => 1 };
        if (t.supports.serializes) await expect(pub.publish(`${root}.x`, payload)).rejects.toMatchObject({ code: 'not_serializable' });
        else await expect(pub.publish(`${root}.x`, payload)).resolves.toBeUndefined();
      });
    });

    describe('queue groups', () => {
      it('gives each message to exactly one member, and every group gets every message', async () => {
        if (!t.supports.queueGroups) {
          expect(() => sub.subscribe(`${root}.q`, () => undefined, { queue: 'workers' })).toThrow(expect.objectContaining({ code: 'unsupported' }));
          return;
        }
        const workers = [new Inbox(), new Inbox(), new Inbox()];
        const audit = [new Inbox(), new Inbox()];
        await ready(
          ...workers.map((w) => sub.subscribe(`${root}.jobs.*`, w.push, { queue: 'workers' })),
          ...audit.map((a) => sub.subscribe(`${root}.jobs.*`, a.push, { queue: 'audit' })),
        );
        const total = 30;
        for (let i = 0; i < total; i++) await pub.publish(`${root}.jobs.run`, i);
        const deadline = Date.now() + timeout;
        const count = (group: Inbox[]): number => group.reduce((sum, w) => sum + w.messages.length, 0);
        while ((count(workers) < total || count(audit) < total) && Date.now() < deadline) await sleep(10);
        // Barrier: each member holds a marker published after the jobs, so any duplicate has arrived.
        await afterMarker(() => pub.publish(`${root}.jobs.run`, MARKER), [...workers, ...audit], timeout);
        for (const group of [workers, audit]) {
          const all = group.flatMap((w) => real(w) as number[]).sort((x, y) => x - y);
          expect(all).toEqual(Array.from({ length: total }, (_, i) => i));
        }
      });
    });

    describe('request/reply', () => {
      it('answers with the responder result', async () => {
        if (!t.supports.requestReply) return expect(pub.request).toBeUndefined();
        const r = sub.respond!(`${root}.math.double`, (m: Message<unknown>) => (m.payload as number) * 2);
        await ready(r);
        const reply = await pub.request!(`${root}.math.double`, 21, { timeoutMs: timeout });
        expect(reply.payload).toBe(42);
      });

      it('reports a bad subject one way: request rejects (never throws), respond throws, both invalid_subject', async () => {
        if (!t.supports.requestReply) return expect(pub.request).toBeUndefined();
        for (const subject of [`${root}.*`, `${root}..x`, `${root}.a b`, 42 as unknown as string, undefined as unknown as string]) {
          let pending: Promise<unknown> | undefined;
          expect(() => (pending = pub.request!(subject, 1, { timeoutMs: timeout }))).not.toThrow();
          await expect(pending).rejects.toMatchObject({ code: 'invalid_subject' });
        }
        for (const pattern of [`${root}..x`, `${root}.>.x`, `${root}.a\nb`, 7 as unknown as string]) {
          expect(() => sub.respond!(pattern, () => 1)).toThrow(expect.objectContaining({ code: 'invalid_subject' }));
        }
      });

      it('tells no_responders, timeout, remote_error and aborted apart', async () => {
        if (!t.supports.requestReply) return expect(pub.request).toBeUndefined();
        await expect(pub.request!(`${root}.nobody`, 1, { timeoutMs: timeout })).rejects.toMatchObject({ code: 'no_responders' });
        const silent = gate(); // answers only after the test: the timeout and the abort are the requester's
        afterTest.push(() => silent.open());
        await ready(sub.respond!(`${root}.silent`, () => silent.promise));
        await expect(pub.request!(`${root}.silent`, 1, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'timeout' });
        await ready(
          sub.respond!(`${root}.fails`, () => {
            throw new Error('out of stock');
          }, { onError: () => undefined }),
        );
        await expect(pub.request!(`${root}.fails`, 1, { timeoutMs: timeout })).rejects.toMatchObject({ code: 'remote_error', remoteCode: 'handler_error' });
        const controller = new AbortController();
        const pending = pub.request!(`${root}.silent`, 1, { timeoutMs: timeout, signal: controller.signal });
        controller.abort();
        await expect(pending).rejects.toMatchObject({ code: 'aborted' });
      });
    });
  });
}
