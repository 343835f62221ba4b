/**
 * Composes middleware around a handler.
 * @module
 */
import type { Handler, Middleware } from './interfaces.js';

/**
 * Wraps `handler` in `middleware`; the first middleware is the outermost, so
 * `compose(h, recover, retry)` runs recover → retry → h.
 */
export function compose<T>(handler: Handler<T>, ...middleware: Middleware[]): Handler<T> {
  let wrapped = handler;
  for (let i = middleware.length - 1; i >= 0; i--) wrapped = (middleware[i] as Middleware)(wrapped);
  return wrapped;
}
