/**
 * The options every facade-built bus accepts, checked in one place: a wrong value throws `invalid_argument`
 * naming the option (`error.option`), before anything is opened.
 * @module
 */
import { checkWaitMs } from '../core/renamed-option.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { SubscribeOptions } from '../core/interfaces.js';
import type { Telemetry } from '../core/telemetry.js';

/** Options of `createBus`: the ones every transport shares. A transport's own options extend these. */
export interface BusOptions {
  /** Closes the bus when aborted (an already-aborted signal closes it at once). Its listener is removed on close. */
  signal?: AbortSignal;
  /** Records spans and metrics (see `isoflux/otel`). */
  telemetry?: Telemetry;
  /** Default `onError` for subscriptions that give none. */
  onError?: SubscribeOptions['onError'];
  /** Default timeout of `request` in ms, when the call gives no `timeoutMs` (default 5000). */
  requestTimeoutMs?: number;
}

/** The default of {@link BusOptions.requestTimeoutMs}. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/** Throws `invalid_argument` naming `option` unless `value` is undefined or a positive, finite number of ms (core's check, one rule for every wait). */
export const checkTimeoutMs: (option: string, value: unknown) => number | undefined = checkWaitMs;

/** Throws `invalid_argument` naming `option` unless `value` is undefined or an AbortSignal. */
export function checkSignal(option: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const signal = value as AbortSignal | null;
  if (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function' || typeof signal.aborted !== 'boolean') {
    throw new InvalidArgumentError(`${option} must be an AbortSignal, got ${describe(value)}`, option);
  }
  return signal;
}

/** Throws `invalid_argument` naming `option` unless `value` is undefined or a function. */
export function checkFunction<F>(option: string, value: unknown): F | undefined {
  if (value === undefined || typeof value === 'function') return value as F | undefined;
  throw new InvalidArgumentError(`${option} must be a function, got ${describe(value)}`, option);
}

/** Checks every {@link BusOptions} field; returns the resolved request timeout. */
export function checkBusOptions(options: BusOptions): { readonly requestTimeoutMs: number } {
  checkSignal('signal', options.signal);
  checkFunction('onError', options.onError);
  const telemetry = options.telemetry as { enabled?: unknown } | undefined;
  if (telemetry !== undefined && (typeof telemetry !== 'object' || telemetry === null || typeof telemetry.enabled !== 'function')) {
    throw new InvalidArgumentError(`telemetry must be a Telemetry (see isoflux/otel), got ${describe(telemetry)}`, 'telemetry');
  }
  return { requestTimeoutMs: checkTimeoutMs('requestTimeoutMs', options.requestTimeoutMs) ?? DEFAULT_REQUEST_TIMEOUT_MS };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}
