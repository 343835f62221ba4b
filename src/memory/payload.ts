/**
 * How the memory bus keeps one subscriber from mutating a payload under another's feet.
 * @module
 */
import { cloneValue } from '../core/codec.js';

/**
 * - `freeze` (default): a payload that reaches two or more subscribers is deep-frozen, in place, before the
 *   first handler runs, so a subscriber's write throws (in strict mode) instead of changing what the others
 *   see. A payload that reaches one subscriber is handed over as is: nobody else sees it, and freezing
 *   costs about as much as the whole delivery. Publishing hands the object over: don't mutate it afterwards
 *   (use `clone` if you must). Typed arrays and ArrayBuffers cannot be frozen and are shared as they are.
 * - `clone`: every subscriber gets its own `structuredClone` copy; the publisher keeps a mutable original.
 *   Payloads that cannot be cloned fail at publish with `not_serializable`, as on the cross-tab transports.
 * - `shared`: no protection; only for payloads nobody mutates.
 */
export type PayloadProtection = 'freeze' | 'clone' | 'shared';

function deepFreeze(value: object): void {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && !Object.isFrozen(child)) deepFreeze(child);
  }
}

/** Deep-freezes an object payload (see `freeze`); other values pass through. */
export function freezePayload<T>(payload: T): T {
  // no isFrozen test first: freezing again is harmless and a fresh payload (the usual case) never is
  if (typeof payload === 'object' && payload !== null) deepFreeze(payload);
  return payload;
}

export { cloneValue as clonePayload };
