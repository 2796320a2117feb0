// otelkit after NodeSDK: the documented split. otelkit owns metrics (its /metrics endpoint) and
// the HTTP instrumentation's metrics; NodeSDK keeps the traces, and exemplars carry its span ids.
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { initTelemetry } from '@otelkit/telemetry';

export const tel = initTelemetry({
  serviceName: 'consumer-nodesdk',
  metricsExporters: ['prometheus'],
  tracesExporters: ['none'],
  instrumentations: [new HttpInstrumentation()],
});
