/**
 * The default codec's text without a UTF-8 round trip. A NOTIFY carries text, and the core JSON codec
 * produces bytes (`TextEncoder`), which the envelope then decodes back to text: for small payloads those
 * two steps cost more than the JSON itself. Plain data (primitives, arrays, plain objects: what almost
 * every payload is) is checked by a walk here and stringified directly; anything else goes through the
 * core codec, which decides, and throws, exactly as before.
 * @module
 */
/** Deeper than this (or a cycle) and the walk leaves the value to the codec, which handles both. */
const MAX_DEPTH = 32;

/**
 * `JSON.stringify(value)` when that is exactly the text `jsonCodec().encode(value)` would give (decoded):
 * plain data holding no function or symbol anywhere (so the strict check passes) that stringifies. Else
 * undefined: let the codec decide (it may throw `not_serializable`). The text is well-formed and NUL-free
 * (JSON escapes control characters and lone surrogates).
 */
export function plainJsonText(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && !isPlain(value, 0)) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return undefined; // a BigInt: the codec reports it
  }
  return text; // undefined for undefined, a function or a symbol: the codec reports those too
}

function isPlain(value: object, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlainChild(value[i], depth)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) if (!isPlainChild((value as Record<string, unknown>)[key], depth)) return false;
  return true;
}

function isPlainChild(child: unknown, depth: number): boolean {
  const type = typeof child;
  if (type === 'object') return child === null || isPlain(child as object, depth + 1);
  return type !== 'function' && type !== 'symbol';
}
