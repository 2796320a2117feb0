import type * as SdkMetrics from '@opentelemetry/sdk-metrics';
import { MetricProducer } from '@otelkit/metrics';
import { importSync } from '../import-sync.js';
import { NO_HEALTH, type ComponentContext, type TelemetryComponent } from './component.js';

/** `OTEL_METRICS_EXPORTER=console`: sdk-metrics' console exporter fed by the shared store. */
export function consoleMetrics(ctx: ComponentContext): TelemetryComponent | undefined {
  const { config } = ctx;
  if (config.disabled || !config.metricsExporters.includes('console')) return undefined;
  // sdk-metrics only when this exporter is configured (import-sync.ts).
  const { ConsoleMetricExporter, PeriodicExportingMetricReader } = importSync<typeof SdkMetrics>('@opentelemetry/sdk-metrics');
  const reader = new PeriodicExportingMetricReader({
    exporter: new ConsoleMetricExporter(),
    exportIntervalMillis: config.metricExportIntervalMillis,
    exportTimeoutMillis: config.metricExportTimeoutMillis,
  });
  reader.setMetricProducer(new MetricProducer(ctx.meterProvider.store, ctx.resource));
  return {
    name: 'console-metrics',
    forceFlush: (timeoutMs) => reader.forceFlush({ timeoutMillis: timeoutMs }),
    shutdown: (timeoutMs) => reader.shutdown({ timeoutMillis: timeoutMs }),
    health: () => NO_HEALTH,
  };
}
