import { HostMetricsInstrumentation } from '@opentelemetry/instrumentation-host-metrics';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import type { MeterProvider } from '@otelkit/metrics';

export interface RuntimeMetrics {
  disable(): void;
}

/**
 * Runtime metrics from maintained OpenTelemetry instrumentations (not hand-written):
 * event loop delay/utilization, GC and V8 heap from instrumentation-runtime-node; process CPU
 * and memory from instrumentation-host-metrics (process groups only: the system groups poll
 * the whole machine, which a service's own metrics have no business doing).
 */
export function enableRuntimeMetrics(meterProvider: MeterProvider): RuntimeMetrics {
  const runtime = new RuntimeNodeInstrumentation({ monitoringPrecision: 10 });
  runtime.setMeterProvider(meterProvider);
  runtime.enable();
  const host = new HostMetricsInstrumentation({ metricGroups: ['process.cpu', 'process.memory'] });
  host.setMeterProvider(meterProvider);
  host.enable();
  return {
    disable: () => {
      runtime.disable();
      host.disable();
    },
  };
}
