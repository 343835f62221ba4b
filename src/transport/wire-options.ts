/**
 * Checks of the payload options every transport accepts (`codec`, `schema`) and of the small numeric
 * options transports share: a wrong value throws `invalid_argument` naming the option (`error.option`).
 * Kept beside `checkBusOptions` (options.ts) so a transport checks its options in one place.
 * @module
 */
import type { Codec } from '../core/codec.js';
import { InvalidArgumentError } from '../core/errors.js';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}

/** Throws `invalid_argument` naming `option` unless `value` is undefined or a {@link Codec} (`name`, `encode`, `decode`). */
export function checkCodec<T, W>(option: string, value: unknown): Codec<T, W> | undefined {
  if (value === undefined) return undefined;
  const codec = value as Partial<Codec<T, W>> | null;
  if (typeof codec !== 'object' || codec === null || typeof codec.encode !== 'function' || typeof codec.decode !== 'function') {
    throw new InvalidArgumentError(`${option} must be a codec ({ name, encode, decode }, e.g. jsonCodec()), got ${describe(value)}`, option);
  }
  return codec as Codec<T, W>;
}

/** Throws `invalid_argument` naming `option` unless `value` is undefined or a Standard Schema (kept with the bus options: the facade checks it too). */
export { checkSchema } from './options.js';

/** Throws `invalid_argument` naming `option` unless `value` is undefined or an integer ≥ `min`. */
export function checkInteger(option: string, value: unknown, min = 1): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${option} must be an integer of at least ${min}, got ${describe(value)}`, option);
  }
  return value;
}

/** Throws `invalid_argument` naming `option` unless `value` is undefined or one of `allowed`. */
export function checkOneOf<V extends string>(option: string, value: unknown, allowed: readonly V[]): V | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`${option} must be ${allowed.join(' or ')}, got ${describe(value)}`, option);
  }
  return value as V;
}
