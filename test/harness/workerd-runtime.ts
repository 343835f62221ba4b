/**
 * The worker side of the workerd runner: one request runs every collected portable test and
 * streams one JSON line per test back (NDJSON), so the Node driver shows progress live.
 * Everything happens inside that one request: workerd forbids I/O and timers at global scope,
 * and I/O objects (sockets, WebSockets) cannot cross requests.
 * @module
 */
import type { ProvidedContext, TestCase } from './vitest-shim.ts';

/** One line of the response stream. */
export type WireLine =
  | { kind: 'start'; name: string }
  | { kind: 'result'; name: string; ok: boolean; ms: number; error?: { name: string; message: string; stack?: string } }
  | { kind: 'done'; total: number };

function serialize(e: unknown): { name: string; message: string; stack?: string } {
  if (e instanceof Error) return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  return { name: 'NonError', message: String(e) };
}

/** The worker's default export: POST the injected values as JSON, read NDJSON results. */
export function serveTests(
  loadTests: () => Promise<void>,
  collectedTests: () => readonly TestCase[],
  provide: (values: Partial<ProvidedContext>) => void,
): { fetch(request: Request): Promise<Response> } {
  return {
    async fetch(request) {
      provide((await request.json()) as Partial<ProvidedContext>);
      await loadTests();
      const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
      const writer = writable.getWriter();
      const encoder = new TextEncoder();
      const send = (line: WireLine) => writer.write(encoder.encode(`${JSON.stringify(line)}\n`));
      const runAll = async () => {
        const tests = collectedTests();
        for (const t of tests) {
          await send({ kind: 'start', name: t.name });
          // workerd's clock only advances on I/O, so durations are approximate.
          const t0 = Date.now();
          try {
            await t.run();
            await send({ kind: 'result', name: t.name, ok: true, ms: Date.now() - t0 });
          } catch (error) {
            await send({ kind: 'result', name: t.name, ok: false, ms: Date.now() - t0, error: serialize(error) });
          }
        }
        await send({ kind: 'done', total: tests.length });
        await writer.close();
      };
      // Not awaited: the response streams while the tests run, within this same request.
      runAll().catch((error: unknown) => writer.abort(error));
      return new Response(readable, { headers: { 'content-type': 'application/x-ndjson' } });
    },
  };
}
