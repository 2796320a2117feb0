import type { MetricDefinition } from './catalogue.js';
import { COORDINATOR_METRICS } from './coordinator/definitions.js';
import { SERVICE_HEALTH_METRICS } from './health/definitions.js';

/** Every metric this package ships, grouped by meter set; the README table is generated from it. */
export const METRIC_CATALOGUE: readonly { readonly set: string; readonly metrics: readonly MetricDefinition[] }[] = Object.freeze([
  Object.freeze({ set: 'coordinator (createCoordinatorMeters)', metrics: COORDINATOR_METRICS }),
  Object.freeze({ set: 'service health (createServiceHealthMeters)', metrics: SERVICE_HEALTH_METRICS }),
]);
