/**
 * The publish-time check that a payload survives `postMessage`. A `structuredClone` per publish costs about
 * 4 µs in Chromium (more than the whole cross-tab hop per message when batched), so plain data (primitives,
 * arrays, plain objects) is checked by a walk, and only other objects go through the core clone codec.
 * @module
 */
import { cloneCodec } from '../core/codec.js';
import { NotSerializableError } from '../core/errors.js';

const codec = cloneCodec();
/** Deeper than this (or a cycle) and the walk hands the whole value to structuredClone, which handles cycles. */
const MAX_DEPTH = 32;
const TOO_DEEP = Symbol('too deep');

/** Throws {@link NotSerializableError} when `value` cannot be structured-cloned. Cost: a walk over plain data. */
export function assertPostable(value: unknown): void {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') throw new NotSerializableError(`postMessage (the payload is a ${typeof value})`);
    return;
  }
  try {
    walk(value, 0);
  } catch (error) {
    if (error !== TOO_DEEP) throw error;
    codec.encode(value);
  }
}

function walk(value: object, depth: number): void {
  if (depth > MAX_DEPTH) throw TOO_DEEP;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) check(value[i], depth);
    return;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // Dates, Maps, typed arrays, Blobs, class instances …: let the browser's own cloner decide.
    codec.encode(value);
    return;
  }
  for (const key in value) check((value as Record<string, unknown>)[key], depth);
}

function check(child: unknown, depth: number): void {
  if (typeof child === 'object') {
    if (child !== null) walk(child, depth + 1);
  } else if (typeof child === 'function' || typeof child === 'symbol') {
    throw new NotSerializableError(`postMessage (a ${typeof child} inside the payload)`);
  }
}
