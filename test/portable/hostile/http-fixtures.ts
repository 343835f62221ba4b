/**
 * Helpers for hostile HTTP requests that run in every runtime. A browser's `Request` silently drops the
 * headers an attacker would forge on a raw socket (`Origin`, `Cookie`, `Host`, `Connection` …), so
 * {@link hostile} swaps in a plain `Headers` object (no such guard) on a real `Request`: the handler sees
 * exactly what a raw HTTP client could send.
 */
import type { HttpHandler } from '../../../src/http/index.js';

export const ORIGIN = 'http://isoflux.test';

/** A real POST `Request` whose headers are exactly `headers` (in order; `append`, so repeats stay). */
export function hostile(path: string, body: BodyInit | null, headers: ReadonlyArray<readonly [string, string]>, init: RequestInit = {}): Request {
  const request = new Request(`${ORIGIN}${path}`, { method: 'POST', body, ...init });
  const forged = new Headers();
  for (const [name, value] of headers) forged.append(name, value);
  Object.defineProperty(request, 'headers', { value: forged });
  return request;
}

/** POSTs `body` as `application/json` with extra (possibly forbidden) headers. */
export function postJson(handler: HttpHandler, path: string, body: BodyInit | null, headers: ReadonlyArray<readonly [string, string]> = []): Promise<Response> {
  return handler.fetch(hostile(path, body, [['content-type', 'application/json'], ...headers]));
}

/** The status and JSON error code (or `-` for an empty body) of a response. */
export async function answer(response: Response): Promise<string> {
  const text = await response.text();
  return `${response.status} ${text === '' ? '-' : (JSON.parse(text) as { code: string }).code}`;
}

/** Rejects if `promise` has not settled within `ms`: a hang fails the test instead of timing it out. */
export function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
