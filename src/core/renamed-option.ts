/**
 * The one rule for a renamed option: the new name and its `@deprecated` old name both work, and giving both
 * with different values is `invalid_argument` naming the old one. Core owns it (core imports nothing outside
 * core), so core's own options and every transport's share it. Also core's check of a wait in ms, for the
 * options core reads itself (`FetchOptions.timeoutMs`); the kit's `checkTimeoutMs` says the same.
 * @module
 */
import { InvalidArgumentError } from './errors.js';

/** `value` (the new name's), else `oldValue`; `invalid_argument` naming `oldName` when both are given and differ. */
export function renamed<V>(name: string, value: V | undefined, oldName: string, oldValue: V | undefined): V | undefined {
  if (value !== undefined && oldValue !== undefined && value !== oldValue) {
    throw new InvalidArgumentError(`give ${name} (${oldName} is its deprecated name), not both`, oldName);
  }
  return value ?? oldValue;
}

/** Throws `invalid_argument` naming `option` unless `value` is undefined or a positive, finite number of ms. */
export function checkWaitMs(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    const got = typeof value === 'number' ? String(value) : value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value) : typeof value;
    throw new InvalidArgumentError(`${option} must be a positive number of milliseconds, got ${got}`, option);
  }
  return value;
}

/** A renamed wait in ms: both names checked by {@link checkWaitMs}, then {@link renamed}'s rule. */
export function renamedWaitMs(name: string, value: unknown, oldName: string, oldValue: unknown): number | undefined {
  return renamed(name, checkWaitMs(name, value), oldName, checkWaitMs(oldName, oldValue));
}

/** The wait of a `fetch`: `timeoutMs`, or its deprecated name `expiresMs`, checked (undefined: no limit). */
export function fetchTimeoutMs(options: { readonly timeoutMs?: unknown; readonly expiresMs?: unknown }): number | undefined {
  return renamedWaitMs('timeoutMs', options.timeoutMs, 'expiresMs', options.expiresMs);
}
