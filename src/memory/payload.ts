/**
 * How the memory bus keeps one subscriber from mutating a payload under another's feet.
 * @module
 */
import { cloneValue } from '../core/codec.js';

/**
 * - `freeze` (default): the payload object is deep-frozen at publish, in place. Cheap, and a subscriber's
 *   write throws in strict mode. The publisher's own object is frozen too: publish hands it over.
 *   Typed arrays and ArrayBuffers cannot be frozen and are shared as they are.
 * - `clone`: every publish delivers a `structuredClone` copy; the publisher keeps a mutable original.
 *   Payloads that cannot be cloned fail at publish with `not_serializable`, as on the cross-tab transports.
 * - `shared`: no protection (fastest); only for payloads you never mutate.
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

/** Applies the protection to one payload. */
export function protectPayload<T>(payload: T, protection: PayloadProtection): T {
  if (typeof payload !== 'object' || payload === null) return payload;
  if (protection === 'freeze') {
    if (!Object.isFrozen(payload)) deepFreeze(payload);
    return payload;
  }
  return protection === 'clone' ? cloneValue(payload) : payload;
}
