/**
 * Test helpers for the http transport: a fetch that reaches a handler in the same process (so the same
 * tests run in Node, Chromium, Deno and workerd), and a conformance endpoint made of a client and a handler.
 */
import type { Endpoint } from './conformance/transport.js';
import type { FetchFunction, HttpClient, HttpHandler } from '../../src/http/index.js';

/** A fetch that hands the Request to `handler` and honours the signal like a real fetch. */
export function inProcessFetch(handler: HttpHandler): FetchFunction {
  return (input, init) => {
    const request = new Request(input, init);
    const signal = init.signal;
    if (!signal) return handler.fetch(request);
    return new Promise<Response>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      handler.fetch(request).then(resolve, reject);
    });
  };
}

/** One conformance endpoint: publishes and requests through `client`, subscribes and responds on `handler`. */
export function endpoint(client: HttpClient, handler: HttpHandler): Endpoint {
  return {
    publish: (subject, payload, options) => client.publish(subject, payload, options),
    request: (subject, payload, options) => client.request(subject, payload, options),
    subscribe: handler.subscribe.bind(handler) as Endpoint['subscribe'],
    respond: handler.respond.bind(handler) as Endpoint['respond'],
  };
}

/** A stand-in AbortSignal that keeps its listeners in a set: proves a closed bus or client let go of it. */
export function listenedSignal(): { signal: AbortSignal; listeners: Set<unknown> } {
  const listeners = new Set<unknown>();
  const signal = { aborted: false, reason: undefined, addEventListener: (_type: string, l: unknown) => void listeners.add(l), removeEventListener: (_type: string, l: unknown) => void listeners.delete(l) };
  return { signal: signal as unknown as AbortSignal, listeners };
}
