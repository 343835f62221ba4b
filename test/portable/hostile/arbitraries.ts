/**
 * fast-check generators shared by the hostile-input property tests: values a structured clone can carry
 * (what another tab or port can post), valid frames, and mutations of valid frames.
 */
import fc from 'fast-check';

/** A sparse array of length 2^32 - 1: a few bytes through postMessage, a hang for a decoder that walks it. */
export function hugeSparse(): unknown[] {
  const a: unknown[] = [];
  a.length = 2 ** 32 - 1;
  return a;
}

/** Objects with an own `__proto__` key, as a structured clone or JSON.parse makes them. */
const protoKeyed = fc.jsonValue().map((v) => JSON.parse(`{"__proto__": ${JSON.stringify(v) ?? 'null'}, "x": 1}`) as unknown);

/** Anything postMessage can carry, plus the nasty special cases. */
export const cloneable: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constant(null).map(() => hugeSparse()) },
  { weight: 1, arbitrary: protoKeyed },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(Number.NaN, -0, Infinity, 2 ** 53, '', 'x'.repeat(5000), [], {}) },
);

/** A NATS-style literal subject (what honest peers send). */
export const subject: fc.Arbitrary<string> = fc.array(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), { minLength: 1, maxLength: 5 }).map((t) => t.join('.'));

/** A subscription pattern, wildcards included. */
export const pattern: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.oneof(fc.stringMatching(/^[a-z0-9]{1,6}$/), fc.constant('*')), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([tokens, tail]) => [...tokens, ...(tail ? ['>'] : [])].join('.'));

/** Replaces, at a random place inside `value` (an array or object tree), one child by a hostile value. */
export function mutated<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), cloneable, fc.boolean()).map(([value, path, replacement, remove]) => {
    const root = structuredClone(value) as unknown;
    let node = root;
    for (let depth = 0; depth < path.length; depth++) {
      if (typeof node !== 'object' || node === null) break;
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      const key = keys[(path[depth] as number) % keys.length] as string;
      const child = (node as Record<string, unknown>)[key];
      if (depth === path.length - 1 || typeof child !== 'object' || child === null) {
        if (remove) delete (node as Record<string, unknown>)[key];
        else (node as Record<string, unknown>)[key] = replacement;
        break;
      }
      node = child;
    }
    return root;
  });
}

/** Runs `fn` and returns how long it took: a decoder must never hang on what it is given. */
export function timed(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/** Most milliseconds one decode may take on this 2-core machine (a walk of a 2^32 sparse array takes seconds). */
export const MAX_DECODE_MS = 200;
