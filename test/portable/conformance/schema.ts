/**
 * The conformance cases for `schema` on receive: a subscription's own Standard Schema validates what it
 * receives, on every transport. The schema is written by hand (no validation library), sync or async.
 */
import { expect, it } from 'vitest';
import type { Message, StandardSchemaV1, SubscribeOptions } from '../../../src/index.js';
import { Inbox, ready } from './wait.js';
import type { Endpoint, PublishingEndpoint, TransportUnderTest } from './transport.js';

/** What the schema makes of a valid payload: its input plus a computed field, so the output is observable. */
export interface Doubled {
  readonly n: number;
  readonly doubled: number;
}

/** `{ n: number }` → `{ n, doubled }`; anything else has one issue. `async`: validates in a later microtask turn. */
export function doubling(mode: 'sync' | 'async'): StandardSchemaV1<unknown, Doubled> {
  const check = (value: unknown): { value: Doubled } | { issues: ReadonlyArray<{ message: string; path?: PropertyKey[] }> } => {
    const n = (value as { n?: unknown } | null)?.n;
    if (typeof n !== 'number') return { issues: [{ message: 'expected a number', path: ['n'] }] };
    return { value: { n, doubled: n * 2 } };
  };
  return {
    '~standard': {
      version: 1,
      vendor: 'isoflux-conformance',
      validate: (value) => (mode === 'sync' ? check(value) : Promise.resolve().then(() => check(value))),
    },
  };
}

/** The options with a subscription schema (the contract's `SubscribeOptions` do not name it; every bus that validates reads it). */
const withSchema = (schema: StandardSchemaV1, options: SubscribeOptions): SubscribeOptions => ({ ...options, schema }) as SubscribeOptions;

/**
 * Registers the schema cases; `env` gives the current test's endpoints and subject root. Where
 * `supports.subscriptionSchema` is false (one schema on the bus or handler, see {@link TransportUnderTest}), the
 * case checks instead that a subscription's own schema is refused, never silently ignored.
 */
export function schemaCases(t: TransportUnderTest, env: () => { pub: PublishingEndpoint; sub: Endpoint; root: string }, timeout: number): void {
  const supported = t.supports.subscriptionSchema !== false;

  if (!supported) it('refuses a subscription schema it would not apply: invalid_argument naming schema, nothing subscribed', () => {
    const { sub, root } = env();
    const refused = (subscribe: () => unknown): unknown => {
      try {
        subscribe();
      } catch (error) {
        return error;
      }
      return 'subscribed';
    };
    expect(refused(() => sub.subscribe(`${root}.v`, () => undefined, withSchema(doubling('sync'), {})))).toMatchObject({ code: 'invalid_argument', option: 'schema' });
    if (sub.respond !== undefined) expect(refused(() => sub.respond!(`${root}.r`, () => undefined, withSchema(doubling('sync'), {})))).toMatchObject({ code: 'invalid_argument', option: 'schema' });
  });

  for (const mode of ['sync', 'async'] as const) {
    if (supported) it(`validates received payloads with a subscription schema (${mode}): invalid ones reported as invalid_payload, never handled; valid ones arrive as the schema's output, in order`, async () => {
      const { pub, sub, root } = env();
      const errors: Array<{ error: unknown; message: Message<unknown> | undefined }> = [];
      const inbox = new Inbox();
      const s = sub.subscribe(`${root}.v`, inbox.push, withSchema(doubling(mode), { onError: (error, message) => errors.push({ error, message }) }));
      await ready(s);
      for (const payload of [{ n: 1 }, { n: 'x' }, { n: 2 }, 'nope', { n: 3 }]) await pub.publish(`${root}.v`, payload);
      await inbox.waitFor(3, timeout); // { n: 3 } comes last: a subscription delivers in order, so both refusals came before
      expect(inbox.payloads).toEqual([
        { n: 1, doubled: 2 },
        { n: 2, doubled: 4 },
        { n: 3, doubled: 6 },
      ]);
      expect(errors.map((e) => (e.error as { code?: unknown }).code)).toEqual(['invalid_payload', 'invalid_payload']);
      expect((errors[0]?.error as Error).message).toContain('expected a number');
      expect(errors[0]?.error).toMatchObject({ subject: `${root}.v`, issues: [expect.objectContaining({ message: 'expected a number' })] });
      // reported with the message as received
      expect(errors[0]?.message?.subject).toBe(`${root}.v`);
      expect(s.stats).toMatchObject({ failed: 2, delivered: 3 });
      expect(s.isClosed).toBe(false);
    });
  }

  if (supported && t.supports.requestReply) it("answers a request the responder's schema refuses with the reason, without running the handler", async () => {
    const { pub, sub, root } = env();
    let handled = 0;
    const r = sub.respond!(
      `${root}.double`,
      (m: Message<unknown>) => {
        handled++;
        return (m.payload as Doubled).doubled;
      },
      withSchema(doubling('sync'), { onError: () => undefined }),
    );
    await ready(r);
    expect((await pub.request!(`${root}.double`, { n: 21 }, { timeoutMs: timeout })).payload).toBe(42);
    const error = (await pub.request!(`${root}.double`, { n: 'x' }, { timeoutMs: timeout }).catch((e: unknown) => e)) as { code?: string; remoteCode?: string; message?: string };
    // nats names the code itself (`RequestRejectedError`); the kit's facade forwards it as the remote code
    const code = error.code === 'remote_error' ? error.remoteCode : error.code;
    expect(code).toBe('invalid_payload');
    expect(error.message).toContain('expected a number');
    expect(handled).toBe(1);
  });
}
