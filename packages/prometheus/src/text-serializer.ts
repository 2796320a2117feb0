import type { Resource } from '@opentelemetry/resources';
import type { MetricsView } from '@otelkit/metrics';
import { expositionBuffer, expositionString, type SerializeOptions } from './exposition-writer.js';

/** Content type of the Prometheus text exposition format 0.0.4. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Prometheus text format 0.0.4 of the series of a collection: call it inside `store.collect()`,
 * which runs the observable callbacks before and ends the exemplar cycle after.
 * Never writes exemplars: promtool and the Pushgateway reject them in this format.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 *
 * @example
 * const { result: body } = await provider.store.collect((view) => serializeText(view, resource));
 */
export function serializeText(store: MetricsView, resource?: Resource, options?: SerializeOptions): string {
  return expositionString(store, resource, options, false);
}

/** {@link serializeText} as UTF-8 bytes, encoded in chunks: faster than `Buffer.from(serializeText(…))` for large expositions. */
export function serializeTextBuffer(store: MetricsView, resource?: Resource, options?: SerializeOptions): Buffer {
  return expositionBuffer(store, resource, options, false);
}
