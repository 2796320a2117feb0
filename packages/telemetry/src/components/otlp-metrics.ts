import { MetricProducer } from '@otelkit/metrics';
import { OTLPMetricExporter, PeriodicExportingReader } from '@otelkit/otlp';
import type { ComponentContext, TelemetryComponent } from './component.js';

/**
 * OTLP metrics: a periodic reader over the shared store, pushing with otelkit's OTLP exporter
 * (HTTP or gRPC); on the exit path, the exporter's own final request.
 */
export function otlpMetrics(ctx: ComponentContext): TelemetryComponent | undefined {
  const { config } = ctx;
  if (config.disabled || config.otlpMetrics === undefined) return undefined;
  // The exporter picks the transport from the protocol: OTLP/HTTP by default, OTLP/gRPC (grpc-js,
  // loaded on the first export) for `protocol: 'grpc'`; TLS, gzip and the temporality preference
  // come with the resolved options. Retries, health, encoding and the exit path are shared.
  const exporter = new OTLPMetricExporter(config.otlpMetrics);
  const reader = new PeriodicExportingReader({
    exporter,
    exportIntervalMillis: config.metricExportIntervalMillis,
    exportTimeoutMillis: config.metricExportTimeoutMillis,
  });
  const producer = new MetricProducer(ctx.meterProvider.store, ctx.resource);
  reader.setMetricProducer(producer);
  const name = 'otlp-metrics';
  return {
    name,
    forceFlush: (timeoutMs) => reader.forceFlush({ timeoutMillis: timeoutMs }),
    shutdown: (timeoutMs) => reader.shutdown({ timeoutMillis: timeoutMs }),
    health: () => {
      const report = exporter.health();
      return { kind: 'exporter', report, failing: report.consecutiveFailures > 0 };
    },
    finalRequest: () => {
      const request = exporter.finalRequest(producer.collectSync().resourceMetrics);
      return request === undefined ? undefined : { name, ...request };
    },
  };
}
