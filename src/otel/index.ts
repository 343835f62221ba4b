/**
 * @module isoflux/otel — OpenTelemetry tracing and metrics for every isoflux transport. Needs the optional
 * peer dependency `@opentelemetry/api`; pass `createOtelTelemetry()` as a transport's `telemetry` option.
 */
export { createOtelTelemetry, type OtelTelemetryOptions } from './telemetry.js';
