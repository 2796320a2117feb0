import type { Resource } from '@opentelemetry/resources';
import type { MetricStore } from '@otelkit/metrics';
import { expositionBuffer, expositionString, type SerializeOptions } from './exposition-writer.js';

/** Content type of the Prometheus text exposition format 0.0.4. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Prometheus text format 0.0.4 of everything in `store` (call `await store.observe()` first).
 * Never writes exemplars: promtool and the Pushgateway reject them in this format.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 *
 * @example
 * await provider.store.observe();
 * const body = serializeText(provider.store, resource);
 * provider.store.endCycle();
 */
export function serializeText(store: MetricStore, resource?: Resource, options?: SerializeOptions): string {
  return expositionString(store, resource, options, false);
}

/** {@link serializeText} as UTF-8 bytes, encoded in chunks: faster than `Buffer.from(serializeText(…))` for large expositions. */
export function serializeTextBuffer(store: MetricStore, resource?: Resource, options?: SerializeOptions): Buffer {
  return expositionBuffer(store, resource, options, false);
}
