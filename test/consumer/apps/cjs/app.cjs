const { tel } = require('./telemetry.cjs');
const { metrics, trace } = require('@opentelemetry/api');
const express = require('express');

// The application's own API code: its copy of @opentelemetry/api, not otelkit's.
const orders = metrics.getMeter('consumer-app').createCounter('consumer.orders', { unit: '{order}' });

const app = express();
app.get('/orders', (_req, res) => {
  orders.add(1, { app: 'cjs' });
  const span = trace.getActiveSpan();
  res.json({ traceId: span ? span.spanContext().traceId : null, spanId: span ? span.spanContext().spanId : null });
});
let server;
app.post('/shutdown', async (_req, res) => {
  await tel.forceFlush().catch((e) => console.error(String(e)));
  res.json(tel.health());
  await tel.shutdown();
  server.close();
});
tel.ready.then(() => {
  server = app.listen(0, '127.0.0.1', () => {
    console.log(JSON.stringify({ ready: true, port: server.address().port, metricsUrl: tel.metricsUrl }));
  });
});
