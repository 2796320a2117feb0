import { CORES, load, pinSelf, readStats, startServer, startSink, unpinSelf } from '../http/load.mjs';

/*
 * End to end: HTTP throughput a service loses to its telemetry. Each contestant is a server
 * process (bench/http/server.mjs <variant>) on core 0, loaded by autocannon from this process on
 * the last core (taskset) with 32 keep-alive connections on 64 paths (routes with varying ids and
 * queries). One sample = one load run; contestants interleave in a random order every repetition.
 * The time per request is 1 / throughput; its ratio to `bare` is the throughput lost. The detail
 * column is the server's CPU time per request (process.cpuUsage over the run), which neighbours
 * on a shared machine disturb far less than throughput.
 *
 * Every run is checked: no errors or non-2xx answers, and the telemetry's own request count (its
 * duration histogram, read back through /__stats) equal to the requests served.
 *
 * Two handlers: a trivial one (a constant body: the best case for the server, the worst for the
 * telemetry's share) and, in the rows marked "~70 µs handler", one doing representative work
 * (builds and JSON-serialises a 36-item listing per request), which puts a bare request near the
 * ~100 µs the measurement implies (22 µs lost = 22%): "throughput lost" is stated against
 * both. The µs a contestant adds per request is its median minus its handler's bare median.
 */
let sink;
let pinned = 0;

function contestant(variant, { recorded = true, handler = 'trivial' } = {}) {
  return async (ctx) => {
    sink ??= await startSink();
    if (pinned++ === 0) pinSelf();
    const server = await startServer(variant, sink.url, { handler });
    const seconds = ctx.quick ? 1 : 5;
    // Warm-up: JIT, connection pools, the first exports.
    await load(server.port, { seconds: ctx.quick ? 1 : 3 });
    return {
      sample: async () => {
        const before = await readStats(server.port);
        const result = await load(server.port, { seconds });
        const after = await readStats(server.port);
        const served = after.served - before.served;
        if (result.errors > 0 || result.non2xx > 0 || served === 0) throw new Error(`${variant}: ${result.errors} errors, ${result.non2xx} non-2xx, ${served} served`);
        if (recorded) {
          // The first /__stats call itself (and, for otelkit, /metrics fetched by /__stats) is recorded too.
          const extra = after.recorded - before.recorded - served;
          if (extra < 0 || extra > 3) throw new Error(`${variant}: telemetry recorded ${after.recorded - before.recorded} requests, server served ${served}`);
        }
        return { value: (seconds * 1e9) / served, extra: ((after.cpuMicros - before.cpuMicros) * 1000) / served };
      },
      teardown: async () => {
        await server.stop();
        if (--pinned === 0) {
          unpinSelf();
          await sink?.close();
          sink = undefined;
        }
      },
    };
  };
}

export default {
  name: 'http-overhead',
  title: 'HTTP server throughput with telemetry (every request traced)',
  notes:
    'A node:http server answering a small JSON body on 4 routes, loaded by autocannon (32 keep-alive connections, 64 paths with varying ids and queries) from another process on another core (`taskset`: server on core 0, load generator and OTLP sink on the last; ' +
    `${CORES} cores here). *median per request* is 1 / throughput (lower is better; its ratio to *bare* is the throughput lost); *server CPU per request* is the server process's CPU time over the run divided by the requests served. ` +
    '*prom-client*: one histogram `{method, route, status_code}` recorded per request, the usual middleware. *otel-sdk*: what NodeSDK assembles (sdk-trace + BatchSpanProcessor + OTLP/protobuf, sdk-metrics with a Prometheus reader, AsyncLocalStorage context, W3C propagation, `@opentelemetry/instrumentation-http`). ' +
    'Rows marked *~70 µs handler*: the handler builds and JSON-serialises a 36-item listing per request (about 70 µs of CPU on the reference machine) and answers a small JSON body; compare them with *bare, ~70 µs handler* (µs added = difference of the medians). ' +
    "*otelkit + instrumentation-http*: `initTelemetry({ instrumentations: [new HttpInstrumentation()] })`; *otelkit*: `initTelemetry({ httpInstrumentation: true })` (otelkit's diagnostics_channel instrumentation). Both otelkit rows: traces over OTLP/protobuf, the /metrics endpoint, exemplars on (trace_based), runtime metrics off (as the otel-sdk row). Every traced row samples every request and exports its span to a loopback OTLP sink in the load generator's process. Each run's request count is read back from the telemetry and checked.",
  per: 'request',
  detailLabel: 'server CPU per request',
  reps: 5,
  quickReps: 1,
  warmup: false,
  contestants: {
    bare: contestant('bare', { recorded: false }),
    'prom-client': contestant('prom-client'),
    'otel-sdk': contestant('otel-sdk'),
    'otelkit + instrumentation-http': contestant('otelkit+instrumentation-http'),
    otelkit: contestant('otelkit'),
    'bare, ~70 µs handler': contestant('bare', { recorded: false, handler: 'work' }),
    'otel-sdk, ~70 µs handler': contestant('otel-sdk', { handler: 'work' }),
    'otelkit, ~70 µs handler': contestant('otelkit', { handler: 'work' }),
  },
  targets: [
    { label: 'HTTP throughput lost, every request traced, metrics + exemplars (≤ 6% lost = ≤ 1.064× time per request): otelkit vs bare', num: 'otelkit', den: 'bare', max: 1 / 0.94 },
    { label: 'HTTP throughput lost: otelkit vs otelkit + instrumentation-http (own instrumentation no slower)', num: 'otelkit', den: 'otelkit + instrumentation-http', max: 1 },
    { label: 'HTTP throughput lost with a ~70 µs handler (a ~100 µs bare request, as in the issue), every request traced (≤ 6% lost): otelkit vs bare', num: 'otelkit, ~70 µs handler', den: 'bare, ~70 µs handler', max: 1 / 0.94 },
  ],
};
