import type { BatchObservableResult, Meter as ApiMeter } from '@opentelemetry/api';
import { WarnOnce } from '@otelkit/metrics';
import { toMetricDefinition } from '../catalog/metric-definition.js';
import { createObservableFor } from '../catalogue.js';
import { OTELKIT_SELF_CATALOG } from './definitions.js';

/** What {@link observeExporterHealth} reads of each exporter (ExporterHealth of @otelkit/otlp fits). */
export interface ExporterHealthCounts {
  readonly exports?: number;
  readonly failures?: number;
  readonly retries?: number;
  readonly droppedDataPoints?: number;
  readonly consecutiveFailures?: number;
  /** The Pushgateway's counts (PushgatewayHealth): its exports are pushes + deletes + failures. */
  readonly pushes?: number;
  readonly deletes?: number;
}

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/**
 * Exposes exporter health as the `otelkit.exporter.*` instruments of {@link OTELKIT_SELF_CATALOG}:
 * `read` is called once per collection and returns each exporter's counts by component name.
 * An exporter missing from one reading has no points in that collection. Returns a function that
 * stops observing.
 */
export function observeExporterHealth(meter: ApiMeter, read: () => Readonly<Record<string, ExporterHealthCounts>>): () => void {
  const I = OTELKIT_SELF_CATALOG.instruments;
  const exports = createObservableFor(meter, toMetricDefinition(I.exporterExports));
  const retries = createObservableFor(meter, toMetricDefinition(I.exporterRetries));
  const dropped = createObservableFor(meter, toMetricDefinition(I.exporterDroppedDataPoints));
  const consecutive = createObservableFor(meter, toMetricDefinition(I.exporterConsecutiveFailures));
  const warn = new WarnOnce('otelkit/meters');
  // One batch callback reads the health once per collection, so a failure count and its total agree.
  const callback = (result: BatchObservableResult): void => {
    let all: Readonly<Record<string, ExporterHealthCounts>>;
    try {
      all = read();
    } catch (e) {
      warn.warn('read-failed:exporter-health', `reading exporter health failed (${e instanceof Error ? e.message : typeof e}); left out of this collection`);
      return;
    }
    for (const [exporter, h] of Object.entries(all)) {
      const failures = count(h.failures);
      const total = count(h.exports) ?? (count(h.pushes) !== undefined && failures !== undefined ? count(h.pushes)! + (count(h.deletes) ?? 0) + failures : undefined);
      if (total !== undefined && failures !== undefined && failures <= total) {
        result.observe(exports, total - failures, { exporter, outcome: 'success' });
        result.observe(exports, failures, { exporter, outcome: 'failure' });
      }
      const r = count(h.retries);
      if (r !== undefined) result.observe(retries, r, { exporter });
      const d = count(h.droppedDataPoints);
      if (d !== undefined) result.observe(dropped, d, { exporter });
      const c = count(h.consecutiveFailures);
      if (c !== undefined) result.observe(consecutive, c, { exporter });
    }
  };
  const list = [exports, retries, dropped, consecutive];
  meter.addBatchObservableCallback(callback, list);
  return () => meter.removeBatchObservableCallback(callback, list);
}
