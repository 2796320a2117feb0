import { PROCESSING_BUCKETS } from '../buckets.js';
import type { MetricDefinition } from '../catalogue.js';
import { OTHER } from '../dimension.js';

export type CycleOutcome = 'success' | 'failure';
export const CYCLE_OUTCOMES: readonly CycleOutcome[] = Object.freeze(['success', 'failure']);

/** https://opentelemetry.io/docs/specs/semconv/attributes-registry/db/ (`db.client.connection.state`) */
export type ConnectionState = 'idle' | 'used';
export const CONNECTION_STATES: readonly ConnectionState[] = Object.freeze(['idle', 'used']);

/** https://opentelemetry.io/docs/specs/semconv/attributes-registry/error/ : the fallback value of `error.type`. */
export const ERROR_TYPE_OTHER = '_OTHER';

/** Default number of distinct caller values (operations, queues, error types) before `other`. */
export const DEFAULT_VALUE_LIMIT = 50;
export const ERROR_TYPE_LIMIT = 20;

const SERVICE = { key: 'service', values: 'the `service` option' } as const;
const OPERATION = { key: 'operation', values: `the \`operations\` option plus \`${OTHER}\`, or the first ${DEFAULT_VALUE_LIMIT} names used, then \`${OTHER}\`` } as const;
const POOL_NAME = { key: 'db.client.connection.pool.name', values: 'the `name` given to `observePool`, else `host:port/database` of a pg.Pool, else `default`' } as const;

function def(d: MetricDefinition): MetricDefinition {
  return Object.freeze({ ...d, attributes: Object.freeze(d.attributes.map((a) => Object.freeze({ ...a }))) });
}

export const QUEUE_DEPTH = def({
  name: 'queue.depth',
  kind: 'observablegauge',
  unit: '{item}',
  description: 'Items waiting in a queue, read at collection time.',
  attributes: [SERVICE, { key: 'queue_name', values: `the \`queues\` option plus \`${OTHER}\`, or the first ${DEFAULT_VALUE_LIMIT} names used, then \`${OTHER}\`` }],
});
export const PROCESSING_DURATION = def({
  name: 'processing.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of one processing cycle, by operation.',
  attributes: [SERVICE, OPERATION],
  boundaries: PROCESSING_BUCKETS,
});
export const PROCESSING_CYCLES = def({
  name: 'processing.cycles',
  kind: 'counter',
  unit: '{cycle}',
  description: 'Processing cycles, by operation and outcome.',
  attributes: [SERVICE, OPERATION, { key: 'outcome', values: Object.freeze([...CYCLE_OUTCOMES, OTHER]) }],
});
export const PROCESSING_ERRORS = def({
  name: 'processing.errors',
  kind: 'counter',
  unit: '{error}',
  description: 'Errors thrown by processing cycles, by operation and error type.',
  attributes: [SERVICE, OPERATION, { key: 'error.type', values: `the error's \`name\` (first ${ERROR_TYPE_LIMIT} per set), else \`${ERROR_TYPE_OTHER}\`` }],
});
export const DB_CONNECTION_COUNT = def({
  name: 'db.client.connection.count',
  kind: 'observableupdowncounter',
  unit: '{connection}',
  description: 'Connections of a pool, by state (OTel database semantic conventions); idle + used = pool size.',
  attributes: [SERVICE, POOL_NAME, { key: 'db.client.connection.state', values: Object.freeze([...CONNECTION_STATES]) }],
});
export const DB_CONNECTION_PENDING = def({
  name: 'db.client.connection.pending_requests',
  kind: 'observableupdowncounter',
  unit: '{request}',
  description: 'Requests waiting for a pool connection (OTel database semantic conventions).',
  attributes: [SERVICE, POOL_NAME],
});
export const DB_POOL_SIZE = def({
  name: 'db.pool.size',
  kind: 'observablegauge',
  unit: '{connection}',
  description: "Open connections of a pool (Pulse's db_pool_size; only with `pulseNames: true`).",
  attributes: [SERVICE, POOL_NAME],
});
export const DB_POOL_FREE = def({
  name: 'db.pool.free',
  kind: 'observablegauge',
  unit: '{connection}',
  description: "Idle connections of a pool (Pulse's db_pool_free; only with `pulseNames: true`).",
  attributes: [SERVICE, POOL_NAME],
});

/** Every service-health metric, in documentation order. */
export const SERVICE_HEALTH_METRICS: readonly MetricDefinition[] = Object.freeze([
  QUEUE_DEPTH,
  PROCESSING_DURATION,
  PROCESSING_CYCLES,
  PROCESSING_ERRORS,
  DB_CONNECTION_COUNT,
  DB_CONNECTION_PENDING,
  DB_POOL_SIZE,
  DB_POOL_FREE,
]);
