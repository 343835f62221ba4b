/**
 * The options every facade-built bus accepts, checked in one place: a wrong value throws `invalid_argument`
 * naming the option (`error.option`), before anything is opened.
 * @module
 */
import { checkWaitMs } from '../core/renamed-option.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { SubscribeOptions } from '../core/interfaces.js';
import type { StandardSchemaV1 } from '../core/schema.js';
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
  /**
   * Validates every received payload (Standard Schema: zod, valibot, arktype …); a subscription's own
   * `schema` wins. An invalid payload never reaches the handler: it is reported to `onError` as a
   * `ValidationError` (`invalid_payload`, with `issues`); a responder answers an invalid request with the
   * reason. A valid one reaches the handler as the schema's output (defaults and transforms applied).
   */
  schema?: StandardSchemaV1;
}

/** Subscribe options with a subscription's own `schema` (it wins over {@link BusOptions.schema}). */
export interface SchemaSubscribeOptions extends SubscribeOptions {
  /** Validates this subscription's received payloads; invalid ones are reported (`invalid_payload`) and never reach the handler. */
  schema?: StandardSchemaV1;
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

/**
 * The payload options of a transport whose payloads travel as values (memory: by reference; broadcast,
 * worker: by structured clone): checks `schema` and refuses `codec` with `invalid_argument` naming it, since
 * there are no bytes for a codec to make. Returns the bus-level schema.
 */
export function checkValueOptions(transport: string, options: { readonly schema?: unknown; readonly codec?: unknown }): StandardSchemaV1 | undefined {
  if (options.codec !== undefined) {
    throw new InvalidArgumentError(
      `codec does not apply to the ${transport} bus: payloads travel as values (structured clone or reference), not bytes; drop it, and use schema to check payloads`,
      'codec',
    );
  }
  return checkSchema('schema', options.schema);
}

/** Throws `invalid_argument` naming `option` unless `value` is undefined or a Standard Schema (zod, valibot, arktype …). */
export function checkSchema(option: string, value: unknown): StandardSchemaV1 | undefined {
  if (value !== undefined && typeof (value as StandardSchemaV1 | null)?.['~standard']?.validate !== 'function') {
    throw new InvalidArgumentError(`${option} must be a Standard Schema (an object with '~standard'.validate), got ${describe(value)}`, option);
  }
  return value as StandardSchemaV1 | undefined;
}

/**
 * For a driver that validates with one schema of its own (on the bus or handler) and cannot apply one per
 * subscription: throws `invalid_argument` naming `schema` when a subscription brings its own, rather than
 * ignoring it. `where` says where the schema goes instead.
 */
export function refuseSubscriptionSchema(options: object | undefined, where: string): void {
  if (options !== undefined && (options as { schema?: unknown }).schema !== undefined) {
    throw new InvalidArgumentError(`this transport validates with one schema for all its subscriptions: give schema ${where}, not to subscribe or respond`, 'schema');
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}
