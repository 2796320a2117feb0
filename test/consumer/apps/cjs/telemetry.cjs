// Required first by app.cjs: the instrumentations are enabled before express loads node:http.
// @otelkit/telemetry is ESM; require() loads it synchronously (require(esm), Node >= 22.12).
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { initTelemetry } = require('@otelkit/telemetry');

exports.tel = initTelemetry({ serviceName: 'consumer-cjs', instrumentations: [new HttpInstrumentation()] });
