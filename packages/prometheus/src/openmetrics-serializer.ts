import type { Resource } from '@opentelemetry/resources';
import type { MetricStore } from '@otelkit/metrics';
import { expositionBuffer, expositionString, type SerializeOptions } from './exposition-writer.js';

/** Content type of OpenMetrics 1.0.0 text. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/**
 * OpenMetrics 1.0 text of everything in `store` (call `await store.observe()` first), with
 * exemplars on `_bucket` and counter `_total` samples unless `exemplars: false`, ending in `# EOF`.
 * https://github.com/prometheus/OpenMetrics/blob/v1.0.0/specification/OpenMetrics.md
 *
 * @example
 * await provider.store.observe();
 * const body = serializeOpenMetrics(provider.store, resource);
 * provider.store.endCycle();
 */
export function serializeOpenMetrics(store: MetricStore, resource?: Resource, options?: SerializeOptions): string {
  return expositionString(store, resource, options, true);
}

/** {@link serializeOpenMetrics} as UTF-8 bytes, encoded in chunks: faster than `Buffer.from(serializeOpenMetrics(…))` for large expositions. */
export function serializeOpenMetricsBuffer(store: MetricStore, resource?: Resource, options?: SerializeOptions): Buffer {
  return expositionBuffer(store, resource, options, true);
}
