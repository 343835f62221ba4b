/**
 * Composes several middleware into one.
 * @module
 */
import { compose } from '../core/compose.js';
import type { Handler, Middleware } from '../core/interfaces.js';

/**
 * One middleware made of `middleware`, outermost first: `chain(recover(), retryPolicy())(h)` runs
 * recover → retry policy → h. A chain is itself a middleware, so chains nest. Costs one closure per
 * wrapped handler, nothing per message.
 */
export function chain(...middleware: Middleware[]): Middleware {
  return <T>(next: Handler<T>) => compose(next, ...middleware);
}
