/**
 * The observed send: a publish while telemetry records or the bus is tapped. Kept out of `publish` so the
 * unobserved path stays small.
 * @module
 */
import { nextId } from '../core/id.js';
import type { PublishOptions } from '../core/interfaces.js';
import { publishWithTelemetry, type Telemetry } from '../core/telemetry.js';
import { tapClock, type Taps } from '../core/wiretap.js';
import type { Driver, SendOptions } from './driver.js';

/**
 * Sends through `driver` inside a producer span (when `telemetry` records) and reports `published` (with the
 * time until the send settled) or `failed` to `taps` (when active). The message gets its id here, so every
 * event about it carries the same one.
 */
export function sendObserved<P extends PublishOptions>(driver: Driver<P>, taps: Taps, telemetry: Telemetry | undefined, subject: string, payload: unknown, options: SendOptions<P> | undefined): Promise<void> {
  const id = options?.id ?? nextId();
  const traced = telemetry !== undefined && telemetry.enabled();
  const tapped = taps.active;
  if (!traced && !tapped) return driver.send(subject, payload, options);
  const send = (headers: SendOptions<P>['headers']): Promise<void> => driver.send(subject, payload, { ...options, id, headers } as SendOptions<P>);
  const at = tapped ? tapClock() : 0;
  let sent: Promise<void>;
  try {
    sent = traced ? publishWithTelemetry(telemetry, { system: driver.name, subject, id }, options?.headers, send) : send(options?.headers);
  } catch (error) {
    sent = Promise.reject(error);
  }
  if (tapped) {
    const base = { system: driver.name, subject, id, payload, headers: options?.headers, at };
    sent.then(
      () => taps.emit({ ...base, kind: 'published', durationMs: tapClock() - at }),
      (error: unknown) => taps.emit({ ...base, kind: 'failed', error, reason: (error as { code?: string } | null)?.code, durationMs: tapClock() - at }),
    );
  }
  return sent;
}
