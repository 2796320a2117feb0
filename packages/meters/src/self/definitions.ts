import { defineCatalog } from '../catalog/declaration.js';

const EXPORTER = { values: 'the component name `health()` reports the exporter under: `otlp-metrics`, `otlp-traces`, `pushgateway`' } as const;

/**
 * otelkit's own metrics: the health of its exporters, the same numbers `health().exporters` and
 * `snapshot().exporters` report, as series — so an exporter that keeps failing (a stopped
 * Collector, a refused Pushgateway) can fire an alert from the process's own /metrics.
 *
 * Deviation: the semantic conventions' SDK metrics
 * (https://opentelemetry.io/docs/specs/semconv/otel/sdk-metrics/, `otel.sdk.exporter.*`, still
 * in development) count exported data points and carry `otel.component.*`; otelkit's exporters
 * count exports and failures (ExporterHealth of @otelkit/otlp), so these mirror that instead.
 */
export const OTELKIT_SELF_CATALOG = defineCatalog({
  id: 'otelkit',
  title: 'Otelkit',
  description: "otelkit's own health: its exporters (OTLP, Pushgateway) and the scrape targets.",
  createdBy: 'initTelemetry() via observeExporterHealth',
  source: 'telemetry',
  instruments: {
    exporterExports: {
      name: 'otelkit.exporter.exports',
      kind: 'observablecounter',
      unit: '{export}',
      description: 'Export calls that finished, by outcome (failure: the data was not delivered after retries).',
      attributes: { exporter: EXPORTER, outcome: { values: ['success', 'failure'] } },
    },
    exporterRetries: {
      name: 'otelkit.exporter.retries',
      kind: 'observablecounter',
      unit: '{retry}',
      description: 'Attempts beyond the first one of each export.',
      attributes: { exporter: EXPORTER },
    },
    exporterDroppedDataPoints: {
      name: 'otelkit.exporter.dropped_data_points',
      kind: 'observablecounter',
      unit: '{data_point}',
      description: 'Data points (spans, for `otlp-traces`) not delivered: those of failed exports and those a receiver rejected.',
      attributes: { exporter: EXPORTER },
    },
    exporterConsecutiveFailures: {
      name: 'otelkit.exporter.consecutive_failures',
      kind: 'observablegauge',
      unit: '{export}',
      description: 'Failed exports since the last success; 0 while the exporter works.',
      attributes: { exporter: EXPORTER },
    },
  },
  requests: [
    {
      id: 'exports',
      title: 'Exports',
      total: { instrument: 'exporterExports' },
      errors: { instrument: 'exporterExports', match: { outcome: 'failure' } },
      by: ['exporter'],
    },
  ],
  exporters: [
    {
      id: 'exporter',
      title: 'Exporter',
      exports: { instrument: 'exporterExports' },
      consecutiveFailures: { instrument: 'exporterConsecutiveFailures' },
      dropped: { instrument: 'exporterDroppedDataPoints' },
      by: ['exporter'],
      // One failed export is retried data, not an incident; failing without a success for 5 minutes is.
      healthy: { maxConsecutiveFailures: 0, failingFor: '5m' },
    },
  ],
});
