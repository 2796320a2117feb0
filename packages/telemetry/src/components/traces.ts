import { NO_HEALTH, type ComponentContext, type TelemetryComponent } from './component.js';

/**
 * The TracerProvider's span processors (built in tracing.ts): flushed and shut down with the rest.
 * With an OTLP span exporter the component is `otlp-traces`: its health is reported like the
 * metrics exporter's (`health().exporters`, the `otelkit_exporter_*` self-metrics), and the
 * synchronous exit path sends the spans the batch processor still holds (encoding-span-processor.ts,
 * exit-safe-span-processor.ts).
 */
export function traces(ctx: ComponentContext): TelemetryComponent {
  const provider = ctx.tracerProvider;
  const otlp = ctx.tracing?.otlp;
  if (otlp === undefined) {
    return {
      name: 'traces',
      forceFlush: () => provider.forceFlush(),
      shutdown: () => provider.shutdown(),
      health: () => NO_HEALTH,
    };
  }
  const name = 'otlp-traces';
  return {
    name,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
    health: () => {
      const report = otlp.exporter.health();
      return { kind: 'exporter', report, failing: report.consecutiveFailures > 0 };
    },
    finalRequest: () => {
      const request = otlp.processor.finalRequest();
      return request === undefined ? undefined : { name, ...request };
    },
  };
}
