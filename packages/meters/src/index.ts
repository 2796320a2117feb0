export { createCoordinatorMeters } from './coordinator/coordinator-meters.js';
export type { CoordinatorMeters, CoordinatorMetersOptions } from './coordinator/coordinator-meters.js';
export { RoutingMeters } from './coordinator/routing-meters.js';
export { ExecutionMeters } from './coordinator/execution-meters.js';
export { PersistenceMeters } from './coordinator/persistence-meters.js';
export { DispatchMeters } from './coordinator/dispatch-meters.js';
export {
  COORDINATOR_METRICS,
  ROUTES,
  DISPATCH_ROUTES,
  OUTCOMES,
  PLAN_RESULTS,
  CACHE_RESULTS,
  UPSERT_STATUSES,
  ENQUEUE_STATUSES,
  DISPATCH_STATUSES,
  PERSISTENCE_OPERATIONS,
} from './coordinator/definitions.js';
export type {
  Route,
  DispatchRoute,
  Outcome,
  PlanResult,
  CacheResult,
  UpsertStatus,
  EnqueueStatus,
  DispatchStatus,
  PersistenceOperation,
} from './coordinator/definitions.js';
export { createServiceHealthMeters } from './health/service-health-meters.js';
export type { ServiceHealthMeters, ServiceHealthOptions } from './health/service-health-meters.js';
export type { CycleHandle } from './health/cycle.js';
export type { InstrumentedLoop, LoopOptions } from './health/loop.js';
export type { QueueDepthHandle, QueueDepthReader } from './health/queue-depth.js';
export { pgPoolName } from './health/pool-gauges.js';
export type { PgPoolLike, PoolStats, PoolSource, ObservePoolOptions } from './health/pool-gauges.js';
export { SERVICE_HEALTH_METRICS, CYCLE_OUTCOMES, CONNECTION_STATES, ERROR_TYPE_OTHER } from './health/definitions.js';
export type { CycleOutcome, ConnectionState } from './health/definitions.js';
export { buildSnapshot } from './snapshot.js';
export type {
  TelemetrySnapshot,
  SnapshotOptions,
  SnapshotExporterHealth,
  ExporterHealthInput,
  CounterSnapshot,
  GaugeSnapshot,
  HistogramSnapshot,
  LatencyStats,
  SeriesValue,
  CoordinatorSnapshot,
} from './snapshot.js';
export { bucketQuantile } from './quantile.js';
export { measure } from './timing.js';
export type { SettleCallback } from './timing.js';
export { LATENCY_BUCKETS, PROCESSING_BUCKETS } from './buckets.js';
export { METRIC_CATALOGUE } from './catalogue.js';
export { OTHER } from './dimension.js';
export type { MetricDefinition, AttributeDefinition, AddHandle, RecordHandle } from './catalogue.js';
export { MetersConfigError } from './errors.js';
export { defineCatalog } from './catalog/declaration.js';
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
export { createCatalogInstruments } from './catalog/catalog-instruments.js';
export type { CatalogInstruments, CatalogInstrument, CatalogCounter, CatalogRecorder, CatalogObservable } from './catalog/catalog-instruments.js';
export { validateCatalog } from './catalog/validate-catalog.js';
export { COORDINATOR_CATALOG } from './coordinator/definitions.js';
export { SERVICE_HEALTH_CATALOG } from './health/definitions.js';
export { OTELKIT_SELF_CATALOG } from './self/definitions.js';
export { RUNTIME_CATALOG } from './runtime/definitions.js';
export { observeExporterHealth } from './self/exporter-health-gauges.js';
export type { ExporterHealthCounts } from './self/exporter-health-gauges.js';
