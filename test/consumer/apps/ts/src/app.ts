import { tel } from './telemetry.js';
import { metrics, trace, type Counter } from '@opentelemetry/api';
import type { CoexistenceFinding, HealthReport } from '@otelkit/telemetry';
import express, { type Request, type Response } from 'express';
import type { AddressInfo } from 'node:net';

// The application's own API code: its copy of @opentelemetry/api, not otelkit's.
const orders: Counter = metrics.getMeter('consumer-app').createCounter('consumer.orders', { unit: '{order}' });
// otelkit's own instruments (bound series), typed through the published .d.ts.
const served = tel.meter('consumer-ts').createCounter('consumer.served', { unit: '{request}' }).bind({ route: '/orders' });

const app = express();
app.get('/orders', (_req: Request, res: Response) => {
  orders.add(1, { app: 'ts' });
  served.add(1);
  const ctx = trace.getActiveSpan()?.spanContext();
  res.json({ traceId: ctx?.traceId ?? null, spanId: ctx?.spanId ?? null });
});
app.post('/shutdown', async (_req: Request, res: Response) => {
  await tel.forceFlush().catch((e: unknown) => console.error(String(e)));
  const health: HealthReport = tel.health();
  const findings: readonly CoexistenceFinding[] = health.coexistence;
  res.json({ ...health, coexistence: findings });
  await tel.shutdown();
  server.close();
});
await tel.ready;
const server = app.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port, metricsUrl: tel.metricsUrl }));
});
