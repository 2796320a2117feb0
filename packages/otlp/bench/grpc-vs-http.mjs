// One OTLP export of the bench's 10k-series payload (bench/lib/series.mjs) over OTLP/gRPC and
// OTLP/HTTP protobuf, each to an in-process loopback sink that reads the request and answers OK
// (as bench/scenarios/otlp-export.mjs does for HTTP). Collection is done once; each operation is
// encode + (gzip) + send + response through OTLPMetricExporter, the variants interleaved.
// With `collector`, the sink is the real OpenTelemetry Collector (its OTLP receiver, both
// transports, into the debug exporter) in its own process, and the CPU time is the exporter's alone.
// Not a test; prints medians of wall and CPU time (CPU stays comparable on a shared machine).
// Usage (after `npx tsc -b`): node packages/otlp/bench/grpc-vs-http.mjs [series=10000] [rounds=40] [inprocess|collector]
import { createServer } from 'node:http';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { MetricProducer } from '@otelkit/metrics';
import { otelkit } from '../../../bench/lib/setup.mjs';
import { populateMeter } from '../../../bench/lib/series.mjs';
import { grpcTransport, METRICS_EXPORT_METHOD, OTLPMetricExporter } from '../dist/index.js';

const series = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 40);
const sink = process.argv[4] ?? 'inprocess';

async function httpSink() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${server.address().port}/v1/metrics`, close: () => { server.closeAllConnections(); server.close(); } };
}

async function grpcSink() {
  const id = (b) => b;
  const server = new grpc.Server();
  server.addService(
    { Export: { path: METRICS_EXPORT_METHOD, requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } },
    { Export: (_call, cb) => cb(null, Buffer.alloc(0)) },
  );
  const port = await new Promise((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { url: `http://127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

const kit = otelkit();
populateMeter(kit.meter, series);
const { resourceMetrics } = await new MetricProducer(kit.store).collect();

const COLLECTOR_CONFIG = `
extensions:
  health_check:
    endpoint: \${env:OTELKIT_HEALTH_ENDPOINT}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: \${env:OTELKIT_OTLP_GRPC_ENDPOINT}
      http:
        endpoint: \${env:OTELKIT_OTLP_HTTP_ENDPOINT}
exporters:
  debug:
    verbosity: basic
    sampling_initial: 1
    sampling_thereafter: 1000
service:
  extensions: [health_check]
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [debug]
  telemetry:
    metrics:
      level: none
`;

async function collectorSinks() {
  const { startCollector, tempDir } = await import('@otelkit/testkit');
  const { writeFile } = await import('node:fs/promises');
  const dir = await tempDir('grpc-bench');
  const config = `${dir.path}/collector.yaml`;
  await writeFile(config, COLLECTOR_CONFIG);
  const c = await startCollector({ config });
  const stop = async () => {
    await c.stop();
    await dir.remove();
  };
  return [{ url: `${c.otlpHttpUrl}/v1/metrics`, close: () => {} }, { url: `http://${c.otlpGrpcEndpoint}`, close: stop }];
}

const [http, g] = sink === 'collector' ? await collectorSinks() : [await httpSink(), await grpcSink()];
const exporters = {};
for (const compression of ['none', 'gzip']) {
  exporters[`http ${compression}`] = new OTLPMetricExporter({ url: http.url, compression });
  exporters[`grpc ${compression}`] = new OTLPMetricExporter({ url: g.url, compression }, { transport: grpcTransport() });
}
const wall = Object.fromEntries(Object.keys(exporters).map((k) => [k, []]));
const cpu = Object.fromEntries(Object.keys(exporters).map((k) => [k, []]));
for (let r = -3; r < rounds; r++) {
  for (const [name, e] of Object.entries(exporters)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await e.exportAsync(resourceMetrics);
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (result.code !== 0) throw result.error;
    if (r >= 0) {
      wall[name].push(t);
      cpu[name].push((c.user + c.system) / 1000);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`${series} series, ${rounds} rounds, sink ${sink}, node ${process.version}`);
console.log('variant      wall ms (median)  cpu ms (median)');
for (const name of Object.keys(exporters)) console.log(`${name.padEnd(12)} ${median(wall[name]).toFixed(1).padStart(16)} ${median(cpu[name]).toFixed(1).padStart(16)}`);
for (const e of Object.values(exporters)) await e.shutdown();
http.close();
await g.close();
