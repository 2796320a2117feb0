/*
 * The names of the temporality preferences, apart from temporality-preference.ts: the option
 * resolver (options.ts, also loaded on its own as `@otelkit/otlp/options` by initTelemetry() for
 * every configuration) needs only these, and temporality-preference.ts loads sdk-metrics at
 * runtime for its enums (~50 modules at process start).
 */

/** `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`. */
export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';

export const TEMPORALITY_PREFERENCES: readonly string[] = ['cumulative', 'delta', 'lowmemory'];
