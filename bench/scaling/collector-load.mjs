#!/usr/bin/env node
/*
 * What a Collector tier and Prometheus cost per data point, for docs/SCALING.md. Runs the tier
 * configs the tests run (collector/tiers/agent.yaml -> gateway.yaml -> remote write) with the test
 * Collector build, pushes a KNOWN rate of OTLP points from otelkit exporters in this process, and
 * reads each peer's CPU seconds and memory from /proc/<pid>/stat and /proc/<pid>/status over a
 * fixed window:
 *
 *   A. remote write: G generators x S series, one cumulative export per interval each
 *      -> agent (OTLP/HTTP protobuf) -> gateway (OTLP/gRPC, gzip) -> a counting proxy -> Prometheus
 *      (remote-write receiver). Reported: agent, gateway and Prometheus CPU per 100k points/s,
 *      RSS, remote-write bytes per sample (snappy, as sent), samples per point.
 *   B. scrape: Prometheus scraping otelkit's /metrics (text 0.0.4, S series) every interval.
 *      Reported: Prometheus CPU per 100k samples/s scraped, body bytes per series, and otelkit's
 *      own collect+serialize time per scrape.
 *
 * The generators, the proxy and the /metrics server run in THIS process, whose CPU is not counted.
 * Timings depend on what else the machine runs: the load average is printed at start and end.
 *
 *   node bench/scaling/collector-load.mjs [--generators 2] [--series 10000] [--seconds 30] [--interval-ms 1000]
 *                                         [--skip-scrape] [--agent-env OTELKIT_BATCH_MIN_SIZE=32768 ...]
 * Needs: npx turbo run build (testkit, otlp, prometheus dist), prometheus on PATH, the Collector
 * (scripts/provision-collector.sh, built on first use).
 */
import { fork } from 'node:child_process';
import { createServer, request } from 'node:http';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MetricProducer } from '@otelkit/metrics';
import { OTLPMetricExporter } from '@otelkit/otlp';
import { serializeTextBuffer } from '@otelkit/prometheus';
import {
  AGENT_COLLECTOR_CONFIG,
  GATEWAY_COLLECTOR_CONFIG,
  collectorTelemetry,
  startCollectors,
  startPrometheus,
} from '../../packages/testkit/dist/index.js';
import { BUCKETS } from '../lib/setup.mjs';
import { otelkit } from '../lib/setup.mjs';
import { families, labels } from '../lib/series.mjs';

const { values: args } = parseArgs({
  options: {
    generators: { type: 'string', default: '2' },
    series: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '30' },
    'interval-ms': { type: 'string', default: '1000' },
    'skip-scrape': { type: 'boolean', default: false },
    // extra environment for the agent, e.g. --agent-env OTELKIT_BATCH_MIN_SIZE=32768 (repeatable)
    'agent-env': { type: 'string', multiple: true, default: [] },
    // internal: run as the load generator child (its CPU must not starve the proxy in the parent)
    'generate-to': { type: 'string' },
  },
});
const G = Number(args.generators);
const S = Number(args.series);
const WINDOW_S = Number(args.seconds);
const INTERVAL = Number(args['interval-ms']);
const WARMUP_MS = 8000;
const TICK = 100; // USER_HZ on Linux (getconf CLK_TCK)

/** utime + stime (seconds) and RSS / peak RSS (MiB) of a process, from /proc. */
function procStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { cpu: (Number(f[11]) + Number(f[12])) / TICK, rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
}

/** One service's instruments: S series in bench/lib/series.mjs' mixed layout; tick() changes every series. */
function generator(index) {
  const kit = otelkit();
  const resource = resourceFromAttributes({ 'service.name': 'load', 'service.instance.id': `load-${index}`, 'host.name': `host-${index}` });
  const producer = new MetricProducer(kit.store, resource);
  const bound = [];
  for (const fam of families(S)) {
    const inst = fam.histogram
      ? kit.meter.createHistogram(`latency_${fam.index}`, { unit: 's', advice: { explicitBucketBoundaries: [...BUCKETS] } })
      : kit.meter.createCounter(`requests_${fam.index}`);
    for (let j = 0; j < fam.size; j++) {
      const b = inst.bind(labels(j));
      bound.push(fam.histogram ? (n) => b.record((n % 100) / 37) : (n) => b.add(1 + (n % 3)));
    }
  }
  return { kit, producer, tick: (n) => bound.forEach((f) => f(n)) };
}

/** Forwards remote-write requests to Prometheus, counting requests and body bytes. */
async function countingProxy(target) {
  const stats = { requests: 0, bytes: 0 };
  const t = new URL(target);
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      stats.requests++;
      stats.bytes += body.length;
      const up = request({ host: t.hostname, port: t.port, path: t.pathname, method: 'POST', headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${server.address().port}/api/v1/write`, stats, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

/** Samples Prometheus appended to its head block so far (its own counter, read from its /metrics). */
async function appendedSamples(server) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^prometheus_tsdb_head_samples_appended_total(?:\{[^}]*\})? (\S+)$/gm)) n += Number(m[1]);
  return n;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
if (args['generate-to']) {
  const gens = Array.from({ length: G }, (_, i) => ({ ...generator(i), exporter: new OTLPMetricExporter({ url: args['generate-to'], timeoutMillis: 10_000 }) }));
  const stats = { exports: 0, failures: 0, late: 0 };
  process.on('message', () => process.send(stats));
  await Promise.all(
    gens.map(async (g, i) => {
      await sleep((INTERVAL / G) * i); // spread the exports over the interval, as independent services do
      for (let n = 0; ; n++) {
        const t0 = Date.now();
        g.tick(n);
        const { resourceMetrics } = await g.producer.collect();
        const r = await g.exporter.exportAsync(resourceMetrics);
        stats.exports++;
        if (r.code !== 0) stats.failures++;
        const spent = Date.now() - t0;
        if (spent > INTERVAL) stats.late++;
        await sleep(Math.max(0, INTERVAL - spent));
      }
    }),
  );
}

const out = { node: process.version, agentEnv: args['agent-env'], generators: G, seriesPerGenerator: S, intervalMs: INTERVAL, windowSeconds: WINDOW_S, loadStart: loadavg().map((x) => +x.toFixed(2)) };

// ---- A. remote write through agent -> gateway -> Prometheus ----
const prom = await startPrometheus({ targets: [], remoteWriteReceiver: true });
const proxy = await countingProxy(prom.remoteWriteUrl);
const [gateway] = await startCollectors(1, () => ({ config: GATEWAY_COLLECTOR_CONFIG, env: { OTELKIT_REMOTE_WRITE_URL: proxy.url } }));
const [agent] = await startCollectors(1, () => ({ config: AGENT_COLLECTOR_CONFIG, env: { OTELKIT_GATEWAY_ENDPOINT: gateway.otlpGrpcEndpoint, ...Object.fromEntries(args['agent-env'].map((kv) => kv.split('='))) } }));
const child = fork(new URL(import.meta.url).pathname, [...process.argv.slice(2), '--generate-to', `${agent.otlpHttpUrl}/v1/metrics`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const childStats = () => new Promise((r) => { child.once('message', r); child.send('stats'); });
await sleep(WARMUP_MS);
const pids = { agent: agent.process().child.pid, gateway: gateway.process().child.pid, prometheus: prom.process.child.pid };
const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, procStats(p)]));
const acc0 = await collectorTelemetry(agent, 'otelcol_receiver_accepted_metric_points');
const ts0 = await appendedSamples(prom);
const sent0 = await collectorTelemetry(agent, 'otelcol_exporter_sent_metric_points');
const queue0 = await collectorTelemetry(agent, 'otelcol_exporter_queue_size');
const bytes0 = proxy.stats.bytes;
const req0 = proxy.stats.requests;
const t0 = Date.now();
await sleep(WINDOW_S * 1000);
const elapsed = (Date.now() - t0) / 1000;
const after = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, procStats(p)]));
const points = (await collectorTelemetry(agent, 'otelcol_receiver_accepted_metric_points')) - acc0;
const samples = (await appendedSamples(prom)) - ts0;
const forwarded = (await collectorTelemetry(agent, 'otelcol_exporter_sent_metric_points')) - sent0;
const rwBytes = proxy.stats.bytes - bytes0;
const rwRequests = proxy.stats.requests - req0;
const queueLeft = await collectorTelemetry(agent, 'otelcol_exporter_queue_size');
const { failures, late } = await childStats();
child.kill('SIGKILL');
const pointsPerSecond = points / elapsed;
const forwardedPerSecond = forwarded / elapsed;
out.remoteWrite = {
  elapsedSeconds: +elapsed.toFixed(1),
  pointsPerSecond: Math.round(pointsPerSecond),
  samplesPerSecond: Math.round(samples / elapsed),
  samplesPerForwardedPoint: +(samples / forwarded).toFixed(2),
  exportFailures: failures,
  lateExports: late,
  forwardedPointsPerSecond: Math.round(forwarded / elapsed),
  agentQueueRequests: [queue0, queueLeft],
  remoteWriteRequests: rwRequests,
  remoteWriteBytesPerSample: +(rwBytes / samples).toFixed(2),
  remoteWriteMiBPerSecond: +(rwBytes / elapsed / 1048576).toFixed(2),
  processes: Object.fromEntries(
    Object.keys(pids).map((k) => {
      const cpuSeconds = after[k].cpu - before[k].cpu;
      // The agent handles every point it receives; the gateway and Prometheus only what the agent forwarded.
      const rate = k === 'agent' ? pointsPerSecond : forwardedPerSecond;
      return [k, { cpuCores: +(cpuSeconds / elapsed).toFixed(3), cpuCoresPer100kPointsPerSecond: +((cpuSeconds / elapsed) * (100_000 / rate)).toFixed(3), rssMiB: +after[k].rssMiB.toFixed(1), peakRssMiB: +after[k].hwmMiB.toFixed(1) }];
    }),
  ),
};
// One synchronous round trip through the gateway (OTLP/HTTP in, remote write out, answered after
// Prometheus answered): the latency that bounds an agent with one request in flight.
{
  const probe = generator(99);
  const exporter = new OTLPMetricExporter({ url: `${gateway.otlpHttpUrl}/v1/metrics`, timeoutMillis: 30_000 });
  const rtts = [];
  for (let n = 0; n < 5; n++) {
    probe.tick(n);
    const { resourceMetrics } = await probe.producer.collect();
    const t = process.hrtime.bigint();
    const r = await exporter.exportAsync(resourceMetrics);
    if (r.code === 0) rtts.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  rtts.sort((a, b) => a - b);
  out.remoteWrite.gatewayRoundTripMs = { points: S, median: Math.round(rtts[rtts.length >> 1] ?? NaN), min: Math.round(rtts[0] ?? NaN), max: Math.round(rtts.at(-1) ?? NaN) };
  await exporter.shutdown().catch(() => undefined);
}
await agent.stop();
await gateway.stop();
await prom.stop();
await proxy.close();

// ---- B. Prometheus scraping otelkit's /metrics ----
if (!args['skip-scrape']) {
  const g = generator(0);
  g.tick(0);
  let scrapes = 0;
  let serializeMs = 0;
  let bodyBytes = 0;
  const server = createServer(async (req, res) => {
    const s0 = process.hrtime.bigint();
    const body = (await g.kit.store.collect((view) => serializeTextBuffer(view))).result;
    serializeMs += Number(process.hrtime.bigint() - s0) / 1e6;
    scrapes++;
    bodyBytes = body.length;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const ticker = setInterval(() => g.tick(scrapes), INTERVAL);
  const scraper = await startPrometheus({ targets: [`127.0.0.1:${server.address().port}`], scrapeIntervalSeconds: INTERVAL / 1000 });
  await scraper.waitForTargetsUp();
  await sleep(WARMUP_MS);
  const b = procStats(scraper.process.child.pid);
  const sc0 = scrapes;
  const ms0 = serializeMs;
  const t1 = Date.now();
  await sleep(WINDOW_S * 1000);
  const el = (Date.now() - t1) / 1000;
  const a = procStats(scraper.process.child.pid);
  const n = scrapes - sc0;
  const scraped = Number((await scraper.query('sum(scrape_samples_scraped)'))[0]?.value[1] ?? NaN);
  const samplesPerSecond = (scraped * n) / el;
  out.scrape = {
    elapsedSeconds: +el.toFixed(1),
    scrapes: n,
    samplesPerScrape: scraped,
    samplesPerSecond: Math.round(samplesPerSecond),
    bodyBytesPerSeries: +(bodyBytes / S).toFixed(1),
    bodyBytesPerSample: +(bodyBytes / scraped).toFixed(1),
    otelkitCollectSerializeMsPerScrape: +((serializeMs - ms0) / n).toFixed(1),
    prometheus: {
      cpuCores: +((a.cpu - b.cpu) / el).toFixed(3),
      cpuCoresPer100kSamplesPerSecond: +(((a.cpu - b.cpu) / el) * (100_000 / samplesPerSecond)).toFixed(3),
      rssMiB: +a.rssMiB.toFixed(1),
      peakRssMiB: +a.hwmMiB.toFixed(1),
    },
  };
  clearInterval(ticker);
  await scraper.stop();
  server.closeAllConnections();
  server.close();
}
out.loadEnd = loadavg().map((x) => +x.toFixed(2));
console.log(JSON.stringify(out, null, 2));
process.exit(0);
