import type { Meter as ApiMeter } from '@opentelemetry/api';
import type { WarnOnce } from '@otelkit/metrics';

/** What each coordinator meter group is built from. */
export interface CoordinatorContext {
  readonly meter: ApiMeter;
  readonly warn: WarnOnce;
  /** Overrides the latency buckets of every coordinator histogram. */
  readonly latencyBoundaries: readonly number[] | undefined;
}
