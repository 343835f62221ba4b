/**
 * Option checks: a bad option fails when the middleware is built, with `invalid_argument`, not later per message.
 * @module
 */
import { InvalidArgumentError } from '../core/errors.js';

/** Throws `invalid_argument` unless `value` is an integer ≥ `min` (default 1). */
export function checkInteger(name: string, value: unknown, min = 1): number {
  if (!Number.isInteger(value) || (value as number) < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got ${String(value)}`, name);
  return value as number;
}

/** Throws `invalid_argument` unless `value` is a finite number ≥ 0. */
export function checkDuration(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidArgumentError(`${name} must be a finite number of milliseconds ≥ 0, got ${String(value)}`, name);
  return value;
}

/** Throws `invalid_argument` unless `value` is a function (or undefined when `optional`). */
export function checkFunction<F extends (...args: never[]) => unknown>(name: string, value: F | undefined, optional: boolean): F | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'function') throw new InvalidArgumentError(`${name} must be a function, got ${value === null ? 'null' : typeof value}`, name);
  return value;
}
