/**
 * Real MessagePorts in a real browser, held by something hostile: a rogue tab talking raw comlink to a
 * worker host (`exposeBus`), and a rogue "worker" answering a tab (`connectWorkerBus`). Everything forged
 * or malformed is dropped and counted; nothing reaches another tab's request or the host's prototypes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../../src/memory/index.js';
import { connectWorkerBus, exposeBus } from '../../../src/worker/index.js';
import { Inbox } from '../../portable/conformance/wait.js';
import { gate, until } from '../../portable/waits.js';

type Answer = { id: string; type: string; value?: unknown } | undefined;

/** A tab that speaks raw comlink: it can post any call a real comlink would never make. */
class RawTab {
  readonly #rpc: MessagePort;
  readonly #answers = new Map<string, (answer: Answer) => void>();
  #n = 0;

  constructor(endpoint: MessagePort) {
    const rpc = new MessageChannel();
    const events = new MessageChannel();
    endpoint.postMessage({ type: 'isoflux/worker-open', version: 1, client: 'rogue-tab', rpc: rpc.port2, events: events.port2 }, [rpc.port2, events.port2]);
    this.#rpc = rpc.port1;
    this.#rpc.onmessage = (e: MessageEvent<NonNullable<Answer>>) => this.#answers.get(e.data.id)?.(e.data);
  }

  /** Posts `message` under a fresh id; resolves with the answer (a dropped call never answers: see {@link sendAll}). */
  send(message: Record<string, unknown>): Promise<Answer> {
    const id = `raw-${++this.#n}`;
    return new Promise((resolve) => {
      this.#answers.set(id, resolve);
      this.#rpc.postMessage({ ...message, id });
    });
  }

  /**
   * Posts every message, then a well-formed `hello` call; resolves with each message's answer, undefined
   * where none came. A barrier, not a timeout: the host handles one port's messages in order, so an answer
   * to any of them would arrive before hello's.
   */
  async sendAll(messages: Array<Record<string, unknown>>): Promise<Answer[]> {
    const got: Answer[] = messages.map(() => undefined);
    messages.forEach((m, i) => void this.send(m).then((answer) => (got[i] = answer)));
    await this.call('hello', 1);
    return got;
  }

  async call(method: string, ...args: unknown[]): Promise<unknown> {
    const answer = await this.send({ type: 'APPLY', path: [method], argumentList: args.map((value) => ({ type: 'RAW', value })) });
    return answer?.type === 'RAW' ? answer.value : answer;
  }
}

describe('worker protocol against rogue ports', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /** A host serving a memory bus on a real MessageChannel, a real tab, and a rogue tab on the same endpoint. */
  const host = async () => {
    const channel = new MessageChannel();
    const memory = createMemoryBus();
    const exposed = exposeBus(memory, { endpoint: channel.port1, locks: null });
    const tab = await connectWorkerBus(channel.port2, { locks: null, callTimeoutMs: 2000 });
    cleanup.push(() => memory.close(), () => exposed.close(), () => tab.close());
    return { memory, exposed, tab, rogue: new RawTab(channel.port2), endpoint: channel.port2 };
  };

  it("drops calls that would walk comlink's property paths (no prototype pollution in the host) and counts them", async () => {
    const { exposed, rogue } = await host();
    try {
      const answers = await rogue.sendAll([
        { type: 'SET', path: ['__proto__', 'polluted'], value: { type: 'RAW', value: 'yes' } },
        { type: 'SET', path: ['publish'], value: { type: 'RAW', value: 1 } },
        { type: 'GET', path: ['publish'] },
        { type: 'APPLY', path: ['constructor'], argumentList: [] },
        { type: 'APPLY', path: ['hello', 'constructor'], argumentList: [{ type: 'RAW', value: 'return 1' }] },
        { type: 'CONSTRUCT', path: ['hello'], argumentList: [] },
      ]);
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
      expect(answers).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
      expect(exposed.malformed).toBe(6);
      // The session still works for well-formed calls.
      expect(await rogue.call('hello', 1)).toMatchObject({ ok: true });
    } finally {
      delete (Object.prototype as { polluted?: unknown }).polluted;
    }
  });

  it('answers malformed arguments with typed errors, counted, and refuses malformed open messages', async () => {
    const { exposed, rogue, endpoint } = await host();
    expect(await rogue.call('publish', 'not an array')).toEqual([]);
    expect(await rogue.call('publish', [[42, 'payload'], ['ok.subject', 1, 'not headers']])).toEqual([expect.objectContaining({ code: 'invalid_argument' }), expect.objectContaining({ code: 'invalid_argument' })]);
    expect(await rogue.call('subscribe', 'one', 5)).toMatchObject({ ok: false, error: { code: 'decode_failed', isoflux: true } });
    expect(await rogue.call('request', 1, 'svc', null, 'headers?', 5, -1)).toMatchObject({ ok: false, error: { code: 'decode_failed' } });
    const before = exposed.sessions;
    endpoint.postMessage({ type: 'isoflux/worker-open', client: 'x'.repeat(1000), rpc: 'not a port', events: null });
    await until(() => exposed.malformed === 6, { what: 'the malformed open message counted' });
    expect(exposed.sessions).toBe(before);
    expect(exposed.malformed).toBe(6);
  });

  it('refuses a forged reply published to a guessed inbox: only the tab a request went to may answer it', async () => {
    const { memory, exposed, tab, rogue } = await host();
    const asked = gate();
    const answer = gate();
    await memory.respond('svc.slow', async () => {
      asked.open();
      await answer.promise; // the real answer waits until the forgeries are in
      return 'real';
    }).ready;
    await memory.respond('svc.fast', () => 'fast').ready;
    const pending = tab.request('svc.slow', null, { timeoutMs: 3000 });
    await asked.promise;
    // The rogue learns the inbox format from its own request's reply subject, then guesses its neighbours.
    const own = (await rogue.call('request', 1, 'svc.fast', null, undefined, undefined, 1000)) as { ok: boolean; value: { subject: string } };
    const inbox = own.value.subject;
    const token = inbox.slice(inbox.lastIndexOf('.') + 1);
    const [stem, counter] = [inbox.slice(0, inbox.length - 8), Number.parseInt(token.slice(-8), 36)];
    const guesses = Array.from({ length: 201 }, (_, i) => `${stem}${(counter - 100 + i).toString(36).padStart(8, '0')}`).filter((g) => g !== inbox);
    const results = (await rogue.call('publish', guesses.map((g) => [g, 'forged', undefined, undefined]))) as unknown[];
    expect(results.every((r) => (r as { code?: unknown } | null)?.code === 'invalid_argument')).toBe(true);
    answer.open();
    expect((await pending).payload).toBe('real');
    expect(exposed.forged).toBe(guesses.length);
  });

  it('still lets a tab answer by hand a request delivered to it (publish to its replyTo)', async () => {
    const { memory, tab } = await host();
    await tab.subscribe('svc.manual', (m) => void tab.publish(m.replyTo as string, `hand-made ${String(m.payload)}`)).ready;
    expect((await memory.request('svc.manual', 7, { timeoutMs: 2000 })).payload).toBe('hand-made 7');
  });

  it('a rogue "worker" cannot crash the tab: malformed events, answers and forged ids are dropped and counted', async () => {
    const channel = new MessageChannel();
    const ids: string[] = [];
    const subs: number[] = [];
    let events!: MessagePort;
    let rpc!: MessagePort;
    channel.port1.onmessage = (e: MessageEvent<{ type?: string; rpc: MessagePort; events: MessagePort }>) => {
      if (e.data.type !== 'isoflux/worker-open') return;
      ({ rpc, events } = e.data);
      rpc.onmessage = (m: MessageEvent<{ id: string; path?: string[]; argumentList?: Array<{ value: unknown }> }>) => {
        const { id, path = [] } = m.data;
        ids.push(id);
        const answer = (value: unknown): void => rpc.postMessage({ id, type: 'RAW', value });
        if (path[0] === 'hello') answer({ ok: true, value: { host: 'fake-host' } });
        else if (path[0] === 'subscribe') (subs.push(m.data.argumentList?.[0]?.value as number), answer({ ok: true, value: undefined }));
        else if (path[0] === 'request') answer({ weird: true });
        else answer(undefined);
      };
    };
    const bus = await connectWorkerBus(channel.port2, { locks: null, callTimeoutMs: 1000 });
    cleanup.push(() => bus.close());
    const inbox = new Inbox();
    const random = Math.random;
    Math.random = () => 0.5; // comlink's own ids come from Math.random
    try {
      await bus.subscribe('a', inbox.push).ready;
      await bus.subscribe('b', () => undefined).ready;
    } finally {
      Math.random = random;
    }
    const [first, second] = ids.slice(-2) as [string, string];
    expect(first).not.toBe(second);
    expect([first, second].every((id) => /^[A-Za-z0-9_-]{22}$/.test(id))).toBe(true);

    await expect(bus.request('svc', 1)).rejects.toMatchObject({ code: 'decode_failed' });
    rpc.postMessage({ id: 'guessed-call-id', type: 'RAW', value: { ok: true, value: { subject: 'x', headers: {}, id: 'f', payload: 'forged' } } });
    const valid = { subject: 'a', payload: 'real', headers: {}, id: 'm1' };
    for (const junk of [5, 'junk', [[9, 1]], [[0, subs[0], { subject: 5 }]], [[0, 999_999, valid]]]) events.postMessage(junk);
    events.postMessage([[0, subs[0], valid]]);
    await inbox.waitFor(1);
    expect(inbox.payloads).toEqual(['real']);
    expect(bus.stats.malformed).toBeGreaterThanOrEqual(5);
    expect(bus.stats.forged).toBe(2);
  });
});
