import { sdk } from './nodesdk.mjs';
import { tel } from './telemetry.mjs';
import { metrics, trace } from '@opentelemetry/api';
import express from 'express';

// The application's own API code: its copy of @opentelemetry/api, not otelkit's.
const orders = metrics.getMeter('consumer-app').createCounter('consumer.orders', { unit: '{order}' });

const app = express();
app.get('/orders', (_req, res) => {
  orders.add(1, { app: 'nodesdk' });
  const span = trace.getActiveSpan();
  res.json({ traceId: span?.spanContext().traceId ?? null, spanId: span?.spanContext().spanId ?? null });
});
app.post('/shutdown', async (_req, res) => {
  await tel.forceFlush().catch((e) => console.error(String(e)));
  res.json(tel.health());
  await tel.shutdown();
  // NodeSDK's shutdown flushes its batch span processor to the OTLP endpoint.
  await sdk.shutdown();
  server.close();
});
await tel.ready;
const server = app.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, port: server.address().port, metricsUrl: tel.metricsUrl }));
});
