import type { Resource } from '@opentelemetry/resources';
import type { MetricsView } from '@otelkit/metrics';
import { expositionBuffer, expositionString, type SerializeOptions } from './exposition-writer.js';

/** Content type of OpenMetrics 1.0.0 text. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/**
 * OpenMetrics 1.0 text of the series of a collection, with exemplars on `_bucket` and counter
 * `_total` samples unless `exemplars: false`, ending in `# EOF`. Call it inside
 * `store.collect()`, which runs the observable callbacks before and ends the exemplar cycle after.
 * https://github.com/prometheus/OpenMetrics/blob/v1.0.0/specification/OpenMetrics.md
 *
 * @example
 * const { result: body } = await provider.store.collect((view) => serializeOpenMetrics(view, resource));
 */
export function serializeOpenMetrics(store: MetricsView, resource?: Resource, options?: SerializeOptions): string {
  return expositionString(store, resource, options, true);
}

/** {@link serializeOpenMetrics} as UTF-8 bytes, encoded in chunks: faster than `Buffer.from(serializeOpenMetrics(…))` for large expositions. */
export function serializeOpenMetricsBuffer(store: MetricsView, resource?: Resource, options?: SerializeOptions): Buffer {
  return expositionBuffer(store, resource, options, true);
}
