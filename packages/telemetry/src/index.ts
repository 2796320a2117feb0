export { initTelemetry } from './telemetry.js';
export type { Telemetry, FlushOptions } from './telemetry.js';
export type { HealthReport } from './health-report.js';
export type { PrometheusEndpointHealth } from './components/component.js';
export type { CoexistenceFinding, CoexistenceKind } from './coexistence.js';
export type { ClusterHandle, ClusterHealth, ClusterWorkerHealth } from './cluster/cluster-aggregation.js';
export type { ClusterOptions, ClusterMode, ClusterRole } from './cluster/cluster-options.js';
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
