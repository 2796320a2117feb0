// The smallest otelkit service: one initTelemetry() call, a tiny HTTP API, spans around every
// request, metrics with exemplars, and synthetic traffic so /metrics has something to show. Plain
// JavaScript, no build. (`npm run demo` runs src/main.ts, the coordinator and worker demo; the
// Collector parity tests run this one.)
//
//   PORT=8080 OTEL_EXPORTER_PROMETHEUS_PORT=9464 node examples/demo/main.mjs
//
// PORT=0 / OTEL_EXPORTER_PROMETHEUS_PORT=0: free ports chosen by the system; the URLs printed are
// the bound ones (what tests use: a port picked free beforehand can be taken before it is bound).
import http from 'node:http';
import { SpanStatusCode } from '@opentelemetry/api';
import { initTelemetry } from '@otelkit/telemetry';

const tel = initTelemetry({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'otelkit-demo',
  serviceVersion: '0.1.0',
  // Every request is traced, so every measurement carries an exemplar.
  sampler: 'always_on',
});
const tracer = tel.tracer('otelkit-demo');
const meter = tel.meter('otelkit-demo', '0.1.0');

const requests = meter.createCounter('demo.requests', { description: 'Requests handled, by operation and outcome.', unit: '{request}' });
const duration = meter.createHistogram('demo.request.duration', {
  description: 'Request duration.',
  unit: 's',
  advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] },
});
const inFlight = meter.createUpDownCounter('demo.requests.in_flight', { description: 'Requests being handled.', unit: '{request}' });
// Bound handles: the hot path is a property update, no attribute hashing.
const ops = ['quote', 'order'];
const handles = Object.fromEntries(
  ops.map((op) => [op, {
    ok: requests.bind({ operation: op, outcome: 'ok' }),
    error: requests.bind({ operation: op, outcome: 'error' }),
    duration: duration.bind({ operation: op }),
    inFlight: inFlight.bind({ operation: op }),
  }]),
);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function handle(op) {
  return tracer.startActiveSpan(`demo ${op}`, async (span) => {
    const h = handles[op];
    const t0 = performance.now();
    h.inFlight.add(1);
    try {
      await sleep(2 + Math.random() * (op === 'order' ? 120 : 30));
      if (Math.random() < 0.05) throw new Error('upstream refused');
      h.ok.add(1);
      return 200;
    } catch (e) {
      h.error.add(1);
      span.recordException(e);
      span.setStatus({ code: SpanStatusCode.ERROR });
      return 502;
    } finally {
      h.duration.record((performance.now() - t0) / 1000);
      h.inFlight.add(-1);
      span.end();
    }
  });
}

const port = Number(process.env.PORT ?? 8080);
const server = http.createServer(async (req, res) => {
  const op = req.url?.slice(1);
  if (!ops.includes(op)) {
    res.writeHead(404).end('try /quote or /order\n');
    return;
  }
  const status = await handle(op);
  res.writeHead(status).end(status === 200 ? 'ok\n' : 'failed\n');
});

server.on('error', (e) => {
  console.error(`demo: cannot listen on 127.0.0.1:${port}: ${e.message}. Set PORT to a free port.`);
  process.exitCode = 1;
  void tel.shutdown().catch(() => {});
});

try {
  await tel.ready;
} catch (e) {
  console.error(`demo: ${e.message}`);
  process.exit(1);
}

server.listen(port, '127.0.0.1', () => {
  // The bound port: PORT=0 asks the system for a free one.
  const bound = server.address().port;
  console.log(`otelkit demo is running (service "${tel.config.serviceName}")
  API:      http://127.0.0.1:${bound}/quote  and  /order
  metrics:  ${tel.metricsUrl}   (text 0.0.4; OpenMetrics with exemplars:
            curl -H 'Accept: application/openmetrics-text' ${tel.metricsUrl})
Synthetic traffic: ~20 requests/s. Ctrl-C stops it (metrics are flushed first).`);
  // Synthetic traffic, unref'd so it never keeps the process alive on its own.
  const timer = setInterval(() => {
    const op = ops[Math.random() < 0.7 ? 0 : 1];
    http.get({ host: '127.0.0.1', port: bound, path: `/${op}` }, (r) => r.resume()).on('error', () => {});
  }, 50);
  timer.unref();
});
