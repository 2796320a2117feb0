import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from '@otelkit/testkit';
import { initTelemetry, type Telemetry } from '../../src/index.js';

/*
 * Regression (found adding queue drops to health, session 6): initTelemetry({ env }) — "the
 * variables to read instead of process.env" — was ignored for OTEL_BSP_* and the OTEL_SPAN_* /
 * OTEL_ATTRIBUTE_* limits: tracing.ts read them with core's getNumberFromEnv, which only reads
 * process.env. Both now come from the variables initTelemetry() was given.
 *
 * Also: spans the batch processor drops on a full queue count in the otlp-traces exporter's
 * droppedDataPoints (health(), and the otelkit_exporter_* self-metrics).
 */
describe('regression: initTelemetry({ env }) reaches the span limits and the batch processor', function () {
  this.timeout(20_000);
  let tel: Telemetry | undefined;
  let server: Server | undefined;
  const sockets = new Set<Socket>();

  afterEach(async () => {
    await tel?.shutdown().catch(() => undefined);
    tel = undefined;
    for (const s of sockets) s.destroy();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  it('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT from the env option limits span attributes', async () => {
    tel = initTelemetry({ serviceName: 'env-limits', runtimeMetrics: false, shutdownHooks: false, prometheus: false, env: { OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '2' } });
    const span = tel.tracer('t').startSpan('s', { attributes: { a: 1, b: 2, c: 3, d: 4 } });
    span.end();
    expect(Object.keys((span as unknown as { attributes: object }).attributes)).to.have.length(2);
  });

  it('OTEL_BSP_* from the env option size the queue; spans dropped on a full queue show in health()', async () => {
    // A receiver that accepts and never answers: the first batch stays on the wire.
    server = createServer((s) => {
      sockets.add(s);
      s.on('data', () => undefined);
    });
    const port = await freePort();
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    tel = initTelemetry({
      serviceName: 'env-bsp',
      runtimeMetrics: false,
      shutdownHooks: false,
      prometheus: false,
      tracesExporters: ['otlp'],
      metricsExporters: [],
      otlp: { endpoint: `http://127.0.0.1:${port}`, timeoutMillis: 1000 },
      env: { OTEL_BSP_MAX_QUEUE_SIZE: '3', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2', OTEL_BSP_SCHEDULE_DELAY: '60000' },
    });
    const tracer = tel.tracer('t');
    // s1, s2: a full batch, sent at once (and hanging); s3 – s5 fill the queue of 3; s6 – s9 are dropped.
    for (let i = 1; i <= 9; i++) tracer.startSpan(`s${i}`).end();
    const h = tel.health().exporters['otlp-traces']!;
    expect(h.droppedDataPoints).to.equal(4);
  });
});
