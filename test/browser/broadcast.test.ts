import { afterEach, describe, expect, it } from 'vitest';
import { createBroadcastBus, type BroadcastBus } from '../../src/broadcast/index.js';
import { Inbox } from '../portable/conformance/wait.js';
import { until } from '../portable/waits.js';

let run = 0;

describe('broadcast bus in Chromium', () => {
  const cleanup: Array<() => unknown> = [];
  let namespace = '';
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const bus = (): BroadcastBus => {
    namespace ||= `bb-${Date.now().toString(36)}-${run++}`;
    const b = createBroadcastBus({ namespace });
    cleanup.push(() => b.close());
    return b;
  };
  const fresh = (): void => {
    namespace = `bb-${Date.now().toString(36)}-${run++}`;
  };

  it('sends a tick of publishes as exactly one postMessage (seen by a raw listener)', async () => {
    fresh();
    const a = bus();
    await a.ready;
    const raw = new BroadcastChannel(`isoflux/broadcast/${namespace}`);
    cleanup.push(() => raw.close());
    const frames: Array<{ items: unknown[] }> = [];
    raw.onmessage = (e: MessageEvent) => frames.push(e.data as { items: unknown[] });
    for (let i = 0; i < 1000; i++) void a.publish('n', { i });
    await until(() => frames.length > 0, { what: 'the first frame' });
    // Barrier: a publish in a later tick is a later frame, after any second frame of that tick
    await a.publish('n', 'end');
    await until(() => frames.length > 1, { what: 'the end frame' });
    expect(frames).toHaveLength(2);
    expect(frames[0]?.items).toHaveLength(1000);
    expect(frames[1]?.items).toHaveLength(1);
  });

  it('reaches a worker of the origin: it is a peer like a tab', async () => {
    fresh();
    const a = bus();
    const url = new URL('./fixtures/broadcast-worker.ts', import.meta.url);
    url.searchParams.set('ns', namespace);
    const worker = new Worker(url, { type: 'module' });
    cleanup.push(() => worker.terminate());
    await a.waitForPeers(1);
    const inbox = new Inbox();
    await a.subscribe('from-worker.>', inbox.push).ready;
    await expect.poll(() => a.request('worker.whoami', null).then((m) => m.payload, (e: { code: string }) => e.code)).toMatchObject({ in: 'worker' });
    await a.publish('to-worker.ping', 7);
    const [m] = await inbox.waitFor(1);
    expect(m).toMatchObject({ subject: 'from-worker.ping', payload: 7 });
  });

  it('forgets a frame whose document vanished without a goodbye, and its queue group fails over', async () => {
    fresh();
    const a = bus();
    const handled = new Inbox();
    await a.subscribe('handled.*', handled.push).ready;
    const ids = new Map<string, string>();
    const frames = new Map<string, HTMLIFrameElement>();
    const arrived = new Promise<void>((resolve) => {
      const onReady = (e: MessageEvent<{ frameReady?: string; id?: string } | null>): void => {
        if (typeof e.data?.frameReady !== 'string') return;
        ids.set(e.data.frameReady, String(e.data.id));
        if (ids.size === 2) resolve();
      };
      addEventListener('message', onReady);
      cleanup.push(() => removeEventListener('message', onReady));
    });
    for (const name of ['one', 'two']) {
      const frame = document.createElement('iframe');
      const src = new URL('./fixtures/frame.html', import.meta.url);
      src.search = new URLSearchParams({ ns: namespace, name }).toString();
      frame.src = src.href;
      document.body.append(frame);
      frames.set(name, frame);
      cleanup.push(() => frame.remove());
    }
    await arrived;
    await a.waitForPeers(2);
    for (let i = 0; i < 20; i++) await a.publish('jobs.run', i);
    await handled.waitFor(20);
    const leader = handled.messages[0]!.subject.slice('handled.'.length);
    const other = leader === 'one' ? 'two' : 'one';
    expect(new Set(handled.messages.map((m) => m.subject))).toEqual(new Set([`handled.${leader}`]));

    frames.get(leader)!.remove(); // no close(), no goodbye: only the released Web Lock tells
    await expect.poll(() => a.peers).toEqual([ids.get(other)]);
    await expect(a.request(`frame.${leader}`, null)).rejects.toMatchObject({ code: 'no_responders' });
    // job 40 is the barrier: the one frame left handles (and reports) in order, so a repeat would come first
    for (let i = 20; i <= 40; i++) await a.publish('jobs.run', i);
    await handled.waitFor(41);
    expect(handled.messages.slice(20).map((m) => [m.subject, m.payload])).toEqual(Array.from({ length: 21 }, (_, i) => [`handled.${other}`, 20 + i]));
  });
});
