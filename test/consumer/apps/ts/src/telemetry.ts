// Imported first by app.ts: the instrumentations are enabled before express loads node:http.
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { initTelemetry, type Telemetry } from '@otelkit/telemetry';

export const tel: Telemetry = initTelemetry({ serviceName: 'consumer-ts', instrumentations: [new HttpInstrumentation()] });
