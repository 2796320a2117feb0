import type { Meter as ApiMeter } from '@opentelemetry/api';
import { validBoundaries, WarnOnce } from '@otelkit/metrics';
import { bindRecord, createCounterFor, createHistogramFor, createObservableFor } from '../catalogue.js';
import { Dimension, mapIndex, OpenDimension, type Resolver } from '../dimension.js';
import { MetersConfigError } from '../errors.js';
import { Cycle, type CycleHandle } from './cycle.js';
import { DEFAULT_VALUE_LIMIT, PROCESSING_CYCLES, PROCESSING_DURATION, PROCESSING_ERRORS, QUEUE_DEPTH } from './definitions.js';
import { startLoop, type InstrumentedLoop, type LoopOptions } from './loop.js';
import { PoolGauges, type ObservePoolOptions, type PoolSource } from './pool-gauges.js';
import { QueueDepthGauge, QueueEntry, type QueueDepthHandle, type QueueDepthReader } from './queue-depth.js';

export interface ServiceHealthOptions<Op extends string = string, Q extends string = string> {
  /** The `service` attribute on every series of the set. */
  readonly service: string;
  /**
   * The operations the service times. When given, they are the closed set of `operation` values
   * (anything else is `other`); otherwise the first 50 names used are kept, then `other`.
   */
  readonly operations?: readonly Op[];
  /** The queues the service reports, closed like {@link operations}. */
  readonly queues?: readonly Q[];
  /** Bucket upper bounds (seconds) of `processing.duration`; default {@link PROCESSING_BUCKETS}. */
  readonly processingBoundaries?: readonly number[];
  /** Also export Pulse's `db_pool_size` / `db_pool_free` beside the semantic-convention pool metrics. */
  readonly pulseNames?: boolean;
}

/** The per-service health meters of a worker: cycles, queue depth and connection pools. */
export interface ServiceHealthMeters<Op extends string = string, Q extends string = string> {
  readonly service: string;
  /** The bound handles of `operation`. */
  cycle(operation: Op): CycleHandle;
  /** Runs `fn` as one cycle of `operation` (see {@link CycleHandle.time}). */
  timeCycle<T>(operation: Op, fn: () => T): T;
  /**
   * Runs `fn` in a loop, each call a timed cycle of `operation`, pausing `intervalMs` between
   * calls. A cycle's error goes to `onError` and the loop goes on; a metrics failure never stops it.
   */
  instrumentLoop(operation: Op, fn: (signal: AbortSignal) => unknown, options?: LoopOptions): InstrumentedLoop;
  /** The depth handle of `queue` (reported from the first `set`). */
  queueDepth(queue: Q): QueueDepthHandle;
  /** Reads the depth of `queue` with `read` at each collection; returns a function that stops it. */
  observeQueueDepth(queue: Q, read: QueueDepthReader): () => void;
  /** Reports the gauges of a connection pool at each collection; returns a function that stops it. */
  observePool(pool: PoolSource, options?: ObservePoolOptions): () => void;
}

function checkNames(field: string, v: unknown, example: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string' || x.length === 0 || x.length > 255)) {
    throw new MetersConfigError('createServiceHealthMeters', field, 'must be a non-empty array of non-empty strings', example);
  }
}

class ServiceHealth<Op extends string, Q extends string> implements ServiceHealthMeters<Op, Q> {
  readonly service: string;
  readonly #warn = new WarnOnce('otelkit/meters');
  readonly #cycles: Resolver<Op, Cycle>;
  readonly #queues: Resolver<Q, QueueEntry>;
  readonly #pools: PoolGauges;

  constructor(meter: ApiMeter, o: ServiceHealthOptions<Op, Q>) {
    const service = o.service;
    this.service = service;
    const warn = this.#warn;
    const queueGauge = new QueueDepthGauge(warn);
    createObservableFor(meter, QUEUE_DEPTH).addCallback(queueGauge.observe);
    const duration = createHistogramFor(meter, PROCESSING_DURATION, o.processingBoundaries);
    const cycles = createCounterFor(meter, PROCESSING_CYCLES);
    const errors = createCounterFor(meter, PROCESSING_ERRORS);
    const shared = { warn, service, cycles, errors };
    const makeCycle = (operation: string): Cycle => new Cycle(shared, operation, bindRecord(duration, { service, operation }));
    this.#cycles = o.operations
      ? new Dimension(warn, PROCESSING_DURATION.name, 'operation', o.operations, mapIndex(o.operations), makeCycle)
      : new OpenDimension(warn, PROCESSING_DURATION.name, 'operation', DEFAULT_VALUE_LIMIT, makeCycle);
    const makeQueue = (queue_name: string): QueueEntry => {
      const e = new QueueEntry(warn, { service, queue_name });
      queueGauge.add(e);
      return e;
    };
    this.#queues = o.queues
      ? new Dimension(warn, QUEUE_DEPTH.name, 'queue_name', o.queues, mapIndex(o.queues), makeQueue)
      : new OpenDimension(warn, QUEUE_DEPTH.name, 'queue_name', DEFAULT_VALUE_LIMIT, makeQueue);
    this.#pools = new PoolGauges(meter, service, warn, o.pulseNames === true);
  }

  cycle(operation: Op): CycleHandle {
    return this.#cycles.get(operation);
  }

  timeCycle<T>(operation: Op, fn: () => T): T {
    return this.#cycles.get(operation).time(fn);
  }

  instrumentLoop(operation: Op, fn: (signal: AbortSignal) => unknown, options?: LoopOptions): InstrumentedLoop {
    if (typeof fn !== 'function') throw new MetersConfigError('instrumentLoop', 'fn', 'must be a function', "instrumentLoop('evaluate', async () => evaluate())");
    return startLoop(this.#warn, this.#cycles.get(operation), fn, options);
  }

  queueDepth(queue: Q): QueueDepthHandle {
    return this.#queues.get(queue);
  }

  observeQueueDepth(queue: Q, read: QueueDepthReader): () => void {
    if (typeof read !== 'function') {
      throw new MetersConfigError('observeQueueDepth', 'read', 'must be a function returning the depth', "observeQueueDepth('signals', () => queue.length)");
    }
    const e = this.#queues.get(queue);
    e.reader = read;
    return () => {
      if (e.reader === read) e.reader = undefined;
    };
  }

  observePool(pool: PoolSource, options?: ObservePoolOptions): () => void {
    return this.#pools.observe(pool, options);
  }
}

/**
 * Creates the health meters of one service (Pulse-style worker): processing-cycle duration,
 * outcomes and errors, queue depth, and connection pool gauges read at collection time.
 * @example
 * const health = createServiceHealthMeters(tel.meter('worker'), { service: 'evaluator' });
 * health.observePool(pool);
 * health.instrumentLoop('evaluate', () => evaluateBatch(pool), { intervalMs: 500 });
 */
export function createServiceHealthMeters<Op extends string = string, Q extends string = string>(
  meter: ApiMeter,
  options: ServiceHealthOptions<Op, Q>,
): ServiceHealthMeters<Op, Q> {
  const where = 'createServiceHealthMeters';
  if (meter === null || typeof meter !== 'object' || typeof meter.createCounter !== 'function') {
    throw new MetersConfigError(where, 'meter', 'must be a Meter', "tel.meter('worker')");
  }
  if (options === null || typeof options !== 'object') throw new MetersConfigError(where, 'options', 'must be an object', "{ service: 'evaluator' }");
  const { service } = options;
  if (typeof service !== 'string' || service.length === 0 || service.length > 255) {
    throw new MetersConfigError(where, 'options.service', 'must be a non-empty string', "{ service: 'evaluator' }");
  }
  checkNames('options.operations', options.operations, "{ operations: ['evaluate', 'dispatch'] }");
  checkNames('options.queues', options.queues, "{ queues: ['signals'] }");
  if (options.processingBoundaries !== undefined && !validBoundaries(options.processingBoundaries)) {
    throw new MetersConfigError(where, 'options.processingBoundaries', 'must be finite numbers in strictly increasing order', '{ processingBoundaries: [0.1, 1, 10] }');
  }
  if (options.pulseNames !== undefined && typeof options.pulseNames !== 'boolean') {
    throw new MetersConfigError(where, 'options.pulseNames', 'must be a boolean', '{ pulseNames: true }');
  }
  return new ServiceHealth(meter, options);
}
