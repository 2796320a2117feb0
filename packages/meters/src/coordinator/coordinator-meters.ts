import type { Meter as ApiMeter } from '@opentelemetry/api';
import { validBoundaries, WarnOnce } from '@otelkit/metrics';
import { bindRecord, createHistogramFor, type RecordHandle } from '../catalogue.js';
import { MetersConfigError } from '../errors.js';
import { ROUTE_AND_EXECUTE_DURATION } from './definitions.js';
import { DispatchMeters } from './dispatch-meters.js';
import { ExecutionMeters } from './execution-meters.js';
import { PersistenceMeters } from './persistence-meters.js';
import { RoutingMeters } from './routing-meters.js';

export interface CoordinatorMetersOptions {
  /**
   * Bucket upper bounds (seconds) for every coordinator histogram, replacing
   * {@link LATENCY_BUCKETS}. Finite and strictly increasing.
   */
  readonly latencyBoundaries?: readonly number[];
}

/** The coordinator meter sets; every handle is bound when the set is made. */
export interface CoordinatorMeters {
  readonly routing: RoutingMeters;
  readonly execution: ExecutionMeters;
  readonly persistence: PersistenceMeters;
  readonly dispatch: DispatchMeters;
  /** Records the end-to-end duration of routing a task and executing it. */
  routeAndExecute(seconds: number): void;
}

/**
 * Creates the routing, execution, persistence and dispatch meter sets of a task coordinator on
 * `meter`. Every series of the closed attribute sets is bound here, so a record is a lookup and a
 * property update; an attribute value outside its set is recorded as `other` with one warning.
 * @example
 * const meters = createCoordinatorMeters(tel.meter('coordinator'));
 * meters.routing.decision('planner');
 * await meters.execution.run('planner', () => plan(task));
 */
export function createCoordinatorMeters(meter: ApiMeter, options: CoordinatorMetersOptions = {}): CoordinatorMeters {
  if (meter === null || typeof meter !== 'object' || typeof meter.createCounter !== 'function') {
    throw new MetersConfigError('createCoordinatorMeters', 'meter', 'must be a Meter', "tel.meter('coordinator')");
  }
  const latencyBoundaries = options.latencyBoundaries;
  if (latencyBoundaries !== undefined && !validBoundaries(latencyBoundaries)) {
    throw new MetersConfigError(
      'createCoordinatorMeters',
      'options.latencyBoundaries',
      'must be finite numbers in strictly increasing order',
      '{ latencyBoundaries: [0.01, 0.1, 1, 10] }',
    );
  }
  const ctx = { meter, warn: new WarnOnce('otelkit/meters'), latencyBoundaries };
  const routing = new RoutingMeters(ctx);
  const execution = new ExecutionMeters(ctx);
  const persistence = new PersistenceMeters(ctx);
  const dispatch = new DispatchMeters(ctx);
  const e2e: RecordHandle = bindRecord(createHistogramFor(meter, ROUTE_AND_EXECUTE_DURATION, latencyBoundaries), {});
  return { routing, execution, persistence, dispatch, routeAndExecute: (seconds: number) => e2e.record(seconds) };
}
