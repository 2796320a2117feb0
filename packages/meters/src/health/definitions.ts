import { PROCESSING_BUCKETS } from '../buckets.js';
import type { MetricDefinition } from '../catalogue.js';
import { defineCatalog, type AttributeValue } from '../catalog/declaration.js';
import { toMetricDefinition } from '../catalog/metric-definition.js';
import { OTHER } from '../dimension.js';

/** https://opentelemetry.io/docs/specs/semconv/attributes-registry/error/ : the fallback value of `error.type`. */
export const ERROR_TYPE_OTHER = '_OTHER';

/** Default number of distinct caller values (operations, queues, error types) before `other`. */
export const DEFAULT_VALUE_LIMIT = 50;
export const ERROR_TYPE_LIMIT = 20;

const SERVICE = { values: 'the `service` option' } as const;
const OPERATION = { values: `the \`operations\` option plus \`${OTHER}\`, or the first ${DEFAULT_VALUE_LIMIT} names used, then \`${OTHER}\`` } as const;
const POOL_NAME = { values: 'the `name` given to `observePool`, else `host:port/database` of a pg.Pool, else `default`' } as const;

/**
 * The service-health catalog: processing cycles, queue depth and connection pools of a worker.
 * `createServiceHealthMeters` creates its instruments from these declarations.
 */
export const SERVICE_HEALTH_CATALOG = defineCatalog({
  id: 'service-health',
  title: 'Service Health',
  description: 'Per-service health of a worker: processing cycles (rate, errors, duration), queue depth and connection pools.',
  createdBy: 'createServiceHealthMeters',
  source: 'meter-set',
  instruments: {
    queueDepth: {
      name: 'queue.depth',
      kind: 'observablegauge',
      unit: '{item}',
      description: 'Items waiting in a queue, read at collection time.',
      attributes: { service: SERVICE, queue_name: { values: `the \`queues\` option plus \`${OTHER}\`, or the first ${DEFAULT_VALUE_LIMIT} names used, then \`${OTHER}\`` } },
    },
    processingDuration: {
      name: 'processing.duration',
      kind: 'histogram',
      unit: 's',
      description: 'Duration of one processing cycle, by operation.',
      attributes: { service: SERVICE, operation: OPERATION },
      boundaries: PROCESSING_BUCKETS,
    },
    processingCycles: {
      name: 'processing.cycles',
      kind: 'counter',
      unit: '{cycle}',
      description: 'Processing cycles, by operation and outcome.',
      attributes: { service: SERVICE, operation: OPERATION, outcome: { values: ['success', 'failure'], overflow: OTHER } },
    },
    processingErrors: {
      name: 'processing.errors',
      kind: 'counter',
      unit: '{error}',
      description: 'Errors thrown by processing cycles, by operation and error type.',
      attributes: { service: SERVICE, operation: OPERATION, 'error.type': { values: `the error's \`name\` (first ${ERROR_TYPE_LIMIT} per set), else \`${ERROR_TYPE_OTHER}\`` } },
    },
    dbConnectionCount: {
      name: 'db.client.connection.count',
      kind: 'observableupdowncounter',
      unit: '{connection}',
      description: 'Connections of a pool, by state (OTel database semantic conventions); idle + used = pool size.',
      // https://opentelemetry.io/docs/specs/semconv/attributes-registry/db/ (`db.client.connection.state`)
      attributes: { service: SERVICE, 'db.client.connection.pool.name': POOL_NAME, 'db.client.connection.state': { values: ['idle', 'used'] } },
    },
    dbConnectionPending: {
      name: 'db.client.connection.pending_requests',
      kind: 'observableupdowncounter',
      unit: '{request}',
      description: 'Requests waiting for a pool connection (OTel database semantic conventions).',
      attributes: { service: SERVICE, 'db.client.connection.pool.name': POOL_NAME },
    },
    dbPoolSize: {
      name: 'db.pool.size',
      kind: 'observablegauge',
      unit: '{connection}',
      description: "Open connections of a pool (Pulse's db_pool_size; only with `pulseNames: true`).",
      attributes: { service: SERVICE, 'db.client.connection.pool.name': POOL_NAME },
    },
    dbPoolFree: {
      name: 'db.pool.free',
      kind: 'observablegauge',
      unit: '{connection}',
      description: "Idle connections of a pool (Pulse's db_pool_free; only with `pulseNames: true`).",
      attributes: { service: SERVICE, 'db.client.connection.pool.name': POOL_NAME },
    },
  },
  presence: { instrument: 'processingCycles' },
  requests: [
    {
      id: 'cycles',
      title: 'Processing cycles',
      total: { instrument: 'processingCycles' },
      errors: { instrument: 'processingCycles', match: { outcome: 'failure' } },
      latency: { instrument: 'processingDuration' },
      by: ['service', 'operation'],
      sloBy: ['service'],
      slo: { availability: 0.99 },
    },
  ],
  queues: [
    {
      id: 'queue',
      title: 'Queue depth',
      depth: { instrument: 'queueDepth' },
      by: ['service', 'queue_name'],
      // A consumer keeps up when the depth stays low or falls back; one that stalls lets it only grow.
      healthy: { maxDepth: 100, growingFor: '15m' },
    },
  ],
  pools: [
    {
      id: 'dbPool',
      title: 'Connection pool',
      connections: { instrument: 'dbConnectionCount' },
      stateAttribute: 'db.client.connection.state',
      idleState: 'idle',
      usedState: 'used',
      pending: { instrument: 'dbConnectionPending' },
      by: ['service', 'db.client.connection.pool.name'],
      healthy: { waitingFor: '5m' },
    },
  ],
});

type H = (typeof SERVICE_HEALTH_CATALOG)['instruments'];
const I = SERVICE_HEALTH_CATALOG.instruments;

export type CycleOutcome = AttributeValue<H['processingCycles'], 'outcome'>;
export const CYCLE_OUTCOMES: readonly CycleOutcome[] = I.processingCycles.attributes.outcome.values;

/** https://opentelemetry.io/docs/specs/semconv/attributes-registry/db/ (`db.client.connection.state`) */
export type ConnectionState = AttributeValue<H['dbConnectionCount'], 'db.client.connection.state'>;
export const CONNECTION_STATES: readonly ConnectionState[] = I.dbConnectionCount.attributes['db.client.connection.state'].values;

/** The flat definitions the meter classes bind, one per catalog instrument, in catalog order. */
const DEFS = Object.fromEntries(Object.entries(I).map(([k, d]) => [k, toMetricDefinition(d)])) as { readonly [K in keyof H]: MetricDefinition };

export const QUEUE_DEPTH = DEFS.queueDepth;
export const PROCESSING_DURATION = DEFS.processingDuration;
export const PROCESSING_CYCLES = DEFS.processingCycles;
export const PROCESSING_ERRORS = DEFS.processingErrors;
export const DB_CONNECTION_COUNT = DEFS.dbConnectionCount;
export const DB_CONNECTION_PENDING = DEFS.dbConnectionPending;
export const DB_POOL_SIZE = DEFS.dbPoolSize;
export const DB_POOL_FREE = DEFS.dbPoolFree;

/** Every service-health metric, in documentation order: the catalog's instruments, flattened. */
export const SERVICE_HEALTH_METRICS: readonly MetricDefinition[] = Object.freeze(Object.values(DEFS));
