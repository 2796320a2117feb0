// `@otelkit/meters/catalog`: the generators (dashboards, rules, promtool tests, docs) and otelkit's
// own catalogs. Tooling only — the meter sets and initTelemetry() never import this entry, and the
// Grafana SDK loads on the first generateMonitoring() call.
export { generateMonitoring } from './catalog/generate/generate-monitoring.js';
export type { MonitoringFiles } from './catalog/generate/generate-monitoring.js';
export { generateRules } from './catalog/generate/rules.js';
export type { AlertingRule, RecordingRule, RuleGroup, GeneratedRules, GeneratedAlert, AlertScenario, InputSeries, RunbookEntry } from './catalog/generate/rules.js';
export type { GenerateOptions } from './catalog/generate/options.js';
export { DEFAULT_RUNBOOK_URL } from './catalog/generate/options.js';
export { renderMetricsTable } from './catalog/generate/metrics-table.js';
export { toYaml } from './catalog/generate/yaml.js';
export { metricName, labelName } from './catalog/generate/promql.js';
export { runCatalogCli } from './cli/catalog-command.js';
export { OTELKIT_CATALOGS } from './catalog/otelkit-catalogs.js';
export { COORDINATOR_CATALOG } from './coordinator/definitions.js';
export { SERVICE_HEALTH_CATALOG } from './health/definitions.js';
export { OTELKIT_SELF_CATALOG } from './self/definitions.js';
export { RUNTIME_CATALOG } from './runtime/definitions.js';
export { defineCatalog } from './catalog/declaration.js';
export { validateCatalog } from './catalog/validate-catalog.js';
export type {
  CatalogDeclaration,
  InstrumentDeclaration,
  InstrumentDeclarations,
  AttributeDeclaration,
  CatalogInstrumentKind,
  AttributesOf,
  AttributeValue,
  RequestIndicator,
  QueueIndicator,
  PoolIndicator,
  ExporterIndicator,
  ThresholdIndicator,
  SeriesRef,
  SeriesMatch,
  Duration,
  AnyCatalog,
} from './catalog/declaration.js';
