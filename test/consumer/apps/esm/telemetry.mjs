// Imported first by app.mjs: the instrumentations are enabled before express loads node:http.
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { initTelemetry } from '@otelkit/telemetry';

export const tel = initTelemetry({ serviceName: 'consumer-esm', instrumentations: [new HttpInstrumentation()] });
