// One HTTP service under load, with the telemetry of one contestant:
//   node bench/http/server.mjs <variant>
// Prints `listening <port>` once ready. Every variant serves the same handler; traced variants
// sample every request (parentbased_always_on, no parent) and export spans over OTLP/HTTP
// protobuf to OTLP_SINK (the load generator's process), through a BatchSpanProcessor.
// BENCH_HANDLER=work: the handler builds and JSON-serialises a 36-item order listing per request
// (~70 µs of CPU here), as a service's handler does; otherwise it answers a constant body.
// GET /__stats answers the requests served, the process's CPU time and the telemetry's own count
// of recorded requests, read back by the scenario.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const variant = process.argv[2];
const sink = process.env.OTLP_SINK;
const require = createRequire(import.meta.url);
const ROUTES = ['/api/items', '/api/items/:id', '/api/users/:id/orders', '/health'];

/** Route matching a framework would do: the route template of the request's path. */
function route(path) {
  if (path === '/api/items') return ROUTES[0];
  if (path.startsWith('/api/items/')) return ROUTES[1];
  if (path.startsWith('/api/users/')) return ROUTES[2];
  return ROUTES[3];
}

let stats = () => ({});
let setRoute = () => {};

async function setup() {
  switch (variant) {
    case 'bare':
      return;
    case 'prom-client': {
      // What express-prom-bundle / hand-written prom-client middleware records per request.
      const prom = require('prom-client');
      const registry = new prom.Registry();
      const h = new prom.Histogram({ name: 'http_request_duration_seconds', help: 'x', labelNames: ['method', 'route', 'status_code'], registers: [registry] });
      const http = require('node:http');
      const orig = http.Server.prototype.emit;
      http.Server.prototype.emit = function (ev, req, res) {
        if (ev === 'request') {
          const end = h.startTimer();
          res.on('finish', () => end({ method: req.method, route: res.route ?? '', status_code: res.statusCode }));
        }
        return orig.apply(this, arguments);
      };
      setRoute = (_req, res, r) => (res.route = r);
      stats = async () => ({ recorded: (await h.get()).values.filter((v) => v.metricName === 'http_request_duration_seconds_count').reduce((n, v) => n + v.value, 0) });
      return;
    }
    case 'otel-sdk': {
      // What NodeSDK assembles: sdk-trace + BatchSpanProcessor + OTLP, sdk-metrics with a
      // Prometheus reader, AsyncLocalStorage context, W3C propagation, instrumentation-http.
      const api = require('@opentelemetry/api');
      const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
      const { W3CTraceContextPropagator, getRPCMetadata } = require('@opentelemetry/core');
      const { TracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace');
      const { MeterProvider } = require('@opentelemetry/sdk-metrics');
      const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
      const { registerInstrumentations } = require('@opentelemetry/instrumentation');
      const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
      api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      const tp = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${sink}/v1/traces` }) })] });
      api.trace.setGlobalTracerProvider(tp);
      const reader = new PrometheusExporter({ preventServerStart: true });
      const mp = new MeterProvider({ readers: [reader] });
      api.metrics.setGlobalMeterProvider(mp);
      registerInstrumentations({ instrumentations: [new HttpInstrumentation()], tracerProvider: tp, meterProvider: mp });
      setRoute = (_req, _res, r) => {
        const rpc = getRPCMetadata(api.context.active());
        if (rpc) rpc.route = r;
      };
      stats = async () => {
        const { resourceMetrics } = await reader.collect();
        const m = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((x) => x.descriptor.name === 'http.server.request.duration');
        return { recorded: (m?.dataPoints ?? []).reduce((n, p) => n + p.value.count, 0) };
      };
      return;
    }
    case 'otelkit+instrumentation-http':
    case 'otelkit':
    // Decomposition of the `otelkit` row (bench/NOTES.md): no instrumentation; no span export.
    case 'otelkit-no-instrumentation':
    case 'otelkit-no-export': {
      const api = require('@opentelemetry/api');
      const { getRPCMetadata } = require('@opentelemetry/core');
      // BENCH_TELEMETRY_BUNDLE (http-decomposition.mjs `variant=path`): another build of
      // @otelkit/telemetry's entry, to compare two builds in one interleaved run.
      const bundle = process.env.BENCH_TELEMETRY_BUNDLE;
      const { initTelemetry } = await import(bundle ? pathToFileURL(bundle).href : '@otelkit/telemetry');
      // BENCH_SPAN_EXPORT=noop | encode-only (decomposition only, bench/NOTES.md): otelkit's OTLP
      // span exporter answers every batch at once, without sending it (after encoding it, for
      // encode-only, when the batch processor hands it spans): the transport goes, the
      // processor's work stays.
      const spanExport = process.env.BENCH_SPAN_EXPORT;
      if (spanExport === 'noop' || spanExport === 'encode-only') {
        const otlp = await import('@otelkit/otlp');
        otlp.OTLPTraceExporter.prototype.export = function (spans, done) {
          if (spanExport === 'encode-only') otlp.encodeSpansProtobuf(spans);
          done({ code: 0 });
        };
        otlp.OTLPTraceExporter.prototype.exportEncoded = () => Promise.resolve({ code: 0 });
      } else if (spanExport !== undefined) throw new Error(`BENCH_SPAN_EXPORT=${spanExport}: noop or encode-only`);
      const own = variant === 'otelkit' || variant === 'otelkit-no-export';
      const instrumentations = [];
      if (variant === 'otelkit+instrumentation-http') {
        const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
        instrumentations.push(new HttpInstrumentation());
      }
      const tel = initTelemetry({
        serviceName: 'bench-http',
        env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${sink}/v1/traces` },
        tracesExporters: variant === 'otelkit-no-export' ? ['none'] : ['otlp'],
        metricsExporters: ['prometheus'],
        prometheus: { host: '127.0.0.1', port: 0 },
        // Not part of the request path; the upstream contestant has none either.
        runtimeMetrics: false,
        shutdownHooks: false,
        instrumentations,
        httpInstrumentation: own,
        ...(variant === 'otelkit-no-instrumentation' ? { httpInstrumentation: false } : {}),
      });
      await tel.ready;
      setRoute = (_req, _res, r) => {
        const rpc = getRPCMetadata(api.context.active());
        if (rpc) rpc.route = r;
      };
      stats = async () => {
        let recorded = 0;
        const text = await (await fetch(tel.metricsUrl)).text();
        for (const line of text.split('\n')) if (line.startsWith('http_server_request_duration_seconds_count{')) recorded += Number(line.slice(line.lastIndexOf(' ') + 1));
        return { recorded };
      };
      return;
    }
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}

await setup();
const http = require('node:http');
let served = 0;
const body = JSON.stringify({ id: 17, name: 'widget', price: 9.5, tags: ['a', 'b'] });
const NAMES = ['widget', 'gadget', 'sprocket', 'gizmo', 'doohickey', 'thingamajig', 'whatsit'];
const TAGS = ['new', 'sale', 'popular', 'limited'];
/** Representative handler work: a listing built from varying data, serialised; a small answer. */
function work(n) {
  const items = [];
  for (let i = 0; i < 36; i++) {
    const k = n + i;
    items.push({ id: n * 31 + i, sku: `SKU-${k % 9973}`, name: NAMES[k % 7], price: (k % 1000) / 10, quantity: (i % 7) + 1, tags: [TAGS[i & 3], TAGS[k & 3]], updatedAt: new Date(1.7e12 + k * 1000).toISOString(), inStock: k % 3 !== 0 });
  }
  const json = JSON.stringify({ request: n, total: items.length, items });
  return JSON.stringify({ items: items.length, bytes: json.length });
}
const doWork = process.env.BENCH_HANDLER === 'work';
const server = http.createServer(async (req, res) => {
  if (req.url === '/__stats') {
    const cpu = process.cpuUsage();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ served, cpuMicros: cpu.user + cpu.system, ...(await stats()) }));
    return;
  }
  served++;
  const q = req.url.indexOf('?');
  setRoute(req, res, route(q === -1 ? req.url : req.url.slice(0, q)));
  res.setHeader('content-type', 'application/json');
  res.end(doWork ? work(served) : body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
