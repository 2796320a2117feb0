export { initTelemetry } from './telemetry.js';
export type { Telemetry, HealthReport, PrometheusEndpointHealth, FlushOptions } from './telemetry.js';
export { resolveConfig } from './config.js';
export type { ResolvedConfig, ResolvedOtlp, ResolvedPrometheus } from './config.js';
export { ConfigError, FlushError } from './errors.js';
export type {
  TelemetryOptions,
  PrometheusOptions,
  OtlpOptions,
  MetricsExporterName,
  TracesExporterName,
  OtlpProtocol,
  SamplerName,
} from './options.js';
