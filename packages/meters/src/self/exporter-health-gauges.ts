import type { Meter as ApiMeter } from '@opentelemetry/api';
import { WarnOnce } from '@otelkit/metrics';
import { createCatalogInstruments } from '../catalog/catalog-instruments.js';
import { OTELKIT_SELF_CATALOG } from './definitions.js';

/** What {@link observeExporterHealth} reads of each exporter (ExporterHealth of @otelkit/otlp fits). */
export interface ExporterHealthCounts {
  readonly exports?: number;
  readonly failures?: number;
  readonly retries?: number;
  readonly droppedDataPoints?: number;
  readonly consecutiveFailures?: number;
}

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/**
 * Exposes exporter health as the `otelkit.exporter.*` instruments of {@link OTELKIT_SELF_CATALOG}:
 * `read` is called once per collection and returns each exporter's counts by component name.
 * An exporter missing from one reading has no points in that collection. Returns a function that
 * stops observing.
 */
export function observeExporterHealth(meter: ApiMeter, read: () => Readonly<Record<string, ExporterHealthCounts>>): () => void {
  const m = createCatalogInstruments(meter, OTELKIT_SELF_CATALOG);
  const warn = new WarnOnce('otelkit/meters');
  let snapshot: Readonly<Record<string, ExporterHealthCounts>> = {};
  // One read per collection for all four instruments, so a failure count and its total agree.
  let readAt = -1;
  const current = (): Readonly<Record<string, ExporterHealthCounts>> => {
    const now = performance.now();
    if (now - readAt > 50) {
      readAt = now;
      try {
        snapshot = read();
      } catch (e) {
        warn.warn('read-failed:exporter-health', `reading exporter health failed (${e instanceof Error ? e.message : typeof e}); left out of this collection`);
        snapshot = {};
      }
    }
    return snapshot;
  };
  const stops = [
    m.exporterExports.observe((observe) => {
      for (const [exporter, h] of Object.entries(current())) {
        const exports = count(h.exports);
        const failures = count(h.failures);
        if (exports === undefined || failures === undefined || failures > exports) continue;
        observe(exports - failures, { exporter, outcome: 'success' });
        observe(failures, { exporter, outcome: 'failure' });
      }
    }),
    m.exporterRetries.observe((observe) => {
      for (const [exporter, h] of Object.entries(current())) {
        const v = count(h.retries);
        if (v !== undefined) observe(v, { exporter });
      }
    }),
    m.exporterDroppedDataPoints.observe((observe) => {
      for (const [exporter, h] of Object.entries(current())) {
        const v = count(h.droppedDataPoints);
        if (v !== undefined) observe(v, { exporter });
      }
    }),
    m.exporterConsecutiveFailures.observe((observe) => {
      for (const [exporter, h] of Object.entries(current())) {
        const v = count(h.consecutiveFailures);
        if (v !== undefined) observe(v, { exporter });
      }
    }),
  ];
  return () => {
    for (const s of stops) s();
  };
}
