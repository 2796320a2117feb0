// node bench/tools/request-path.mjs [seconds-per-batch=0.3] [reps=7]
// CPU time per request of the server-side telemetry alone, without sockets: the
// `http.server.request.start` / `http.server.response.finish` messages of @otelkit/instrumentation-http
// published for synthetic requests, with sdk-trace's TracerProvider or otelkit's (lean tracer,
// pooled ids; @otelkit/otlp's span exporter), without a span processor and with a BatchSpanProcessor + OTLP/protobuf exporter
// posting to a loopback sink; and the span path alone. CPU time (process.cpuUsage), contestants
// interleaved in one process: on a shared machine wall time mostly measures the neighbours.
// Used for the request-path profile in bench/NOTES.md.
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BatchSpanProcessor, RandomIdGenerator, TracerProvider } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { MeterProvider } from '@otelkit/metrics';
import { HttpInstrumentation } from '@otelkit/instrumentation-http';
import { createRequire } from 'node:module';
import dc from 'node:diagnostics_channel';
import http from 'node:http';
import { dirname, join } from 'node:path';

const [seconds = '0.3', reps = '7'] = process.argv.slice(2);
// otelkit's tracer provider is internal to @otelkit/telemetry: loaded from its tsc output (dist/;
// the package's entry point is the bundle in dist/bundle/).
const telemetryDist = join(dirname(createRequire(import.meta.url).resolve('@otelkit/telemetry/package.json')), 'dist');
const { LeanTracerProvider } = await import(join(telemetryDist, 'lean-tracer.js'));
const { FastIdGenerator } = await import(join(telemetryDist, 'fast-id-generator.js'));
const { OTLPTraceExporter: OtelkitTraceExporter } = await import('@otelkit/otlp');

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const sink = http.createServer((req, res) => req.resume().on('end', () => res.end()));
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const sinkUrl = `http://127.0.0.1:${sink.address().port}/v1/traces`;

const start = dc.channel('http.server.request.start');
const finish = dc.channel('http.server.response.finish');
const socket = { encrypted: false };
const REQUESTS = Array.from({ length: 1024 }, (_, i) => ({
  headers: { host: '127.0.0.1:3000', 'user-agent': 'autocannon', connection: 'keep-alive', ...(i % 3 === 0 ? { traceparent: `00-${(i + 1).toString(16).padStart(32, '0')}-${'cd'.repeat(8)}-01` } : {}) },
  method: i % 5 === 0 ? 'POST' : 'GET',
  url: i % 2 ? `/api/items/${i % 100}` : `/api/users/${i % 50}/orders?page=${i % 5}`,
  httpVersion: '1.1',
  socket: { remoteAddress: '127.0.0.1', remotePort: 40000 + (i % 1000) },
}));
const ATTRS = { 'http.request.method': 'GET', 'url.scheme': 'http', 'server.address': '127.0.0.1', 'network.peer.address': '127.0.0.1', 'network.peer.port': 40000, 'network.protocol.version': '1.1', 'user_agent.original': 'autocannon', 'url.path': '/api/items/1', 'client.address': '127.0.0.1', 'server.port': 3000 };

function providers(lean, exporting) {
  // otelkit's provider with otelkit's exporter (its span encoder), as initTelemetry() sets them up.
  const exporter = lean ? new OtelkitTraceExporter({ url: sinkUrl }) : new OTLPTraceExporter({ url: sinkUrl });
  const spanProcessors = exporting ? [new BatchSpanProcessor({ exporter })] : [];
  return lean ? new LeanTracerProvider({ spanProcessors, idGenerator: new FastIdGenerator() }) : new TracerProvider({ spanProcessors, idGenerator: new RandomIdGenerator() });
}

const contestants = [];
for (const exporting of [false, true]) {
  for (const lean of [false, true]) {
    const tp = providers(lean, exporting);
    const mp = new MeterProvider({ exemplarFilter: 'trace_based' });
    const inst = new HttpInstrumentation({ tracerProvider: tp, meterProvider: mp });
    const label = `${lean ? 'otelkit tracer' : 'sdk-trace tracer'}, ${exporting ? 'BSP + OTLP' : 'no processor'}`;
    contestants.push({
      name: `request: instrumentation + ${label}`,
      before: () => inst.enable(),
      after: () => inst.disable(),
      fn: (i) => {
        const request = { ...REQUESTS[i & 1023] };
        const response = { statusCode: i % 17 === 0 ? 500 : 200 };
        start.publish({ request, response, socket, server: undefined });
        finish.publish({ request, response, socket, server: undefined });
      },
    });
    const tracer = tp.getTracer('bench');
    contestants.push({
      name: `span: start(10 attributes) + 2 setAttribute + end, ${label}`,
      fn: (i) => {
        const span = tracer.startSpan('GET', { kind: 1, attributes: { ...ATTRS, 'network.peer.port': i & 1023 } });
        span.setAttribute('http.response.status_code', 200);
        span.setAttribute('http.route', '/api/items/:id');
        span.end();
      },
    });
  }
}
const ids = [new RandomIdGenerator(), new FastIdGenerator()];
for (const g of ids) contestants.push({ name: `ids: trace + span id, ${g.constructor.name}`, fn: () => g.generateTraceId().length + g.generateSpanId().length });

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};
async function batch(c, n) {
  c.before?.();
  const t0 = cpu();
  for (let i = 0; i < n; i++) {
    c.fn(i);
    // Let the exporter's requests and timers run, as between requests.
    if ((i & 1023) === 1023) await new Promise((r) => setImmediate(r));
  }
  const ns = cpu() - t0;
  c.after?.();
  return ns / n;
}
for (const c of contestants) {
  let n = 256;
  while ((await batch(c, n)) * n < Number(seconds) * 1e9 && n < 1e7) n *= 2;
  c.n = n;
  c.samples = [];
}
for (let r = 0; r < Number(reps); r++) {
  for (const c of [...contestants].sort(() => Math.random() - 0.5)) c.samples.push(await batch(c, c.n));
}
for (const c of contestants) {
  const s = c.samples.sort((a, b) => a - b);
  const f = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} µs` : `${x.toFixed(0)} ns`);
  console.log(`${c.name.padEnd(78)} ${f(s[s.length >> 1]).padStart(10)}  (${f(s[0])} – ${f(s[s.length - 1])})`);
}
sink.close();
process.exit(0);
