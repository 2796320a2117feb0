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
      let report = otlp.exporter.health();
      // Spans the batch processor dropped on a full queue were not delivered either: counted with
      // the exporter's (sdk-trace's BatchSpanProcessor keeps its count private: JSON has none).
      const queueDropped = 'droppedSpans' in otlp.processor ? otlp.processor.droppedSpans : 0;
      if (queueDropped > 0) report = { ...report, droppedDataPoints: report.droppedDataPoints + queueDropped };
      return { kind: 'exporter', report, failing: report.consecutiveFailures > 0 };
    },
    finalRequest: () => {
      const request = otlp.processor.finalRequest();
      return request === undefined ? undefined : { name, ...request };
    },
  };
}
