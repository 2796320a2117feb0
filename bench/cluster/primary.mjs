// The node:cluster service of bench/scenarios/cluster-scrape.mjs: this file is both the primary
// (forked by the scenario with an IPC channel) and its WORKERS workers (cluster.fork()).
// Every worker holds the same SERIES series in prom-client's global registry AND in otelkit
// (bench/lib/series.mjs layout), so both aggregations merge identical data in the same processes.
// The primary serves prom-client's `AggregatorRegistry.clusterMetrics()` on /prom and otelkit's
// merged /metrics (initTelemetry({ cluster })); the scenario asks it, over IPC, to time one scrape
// (a loopback GET, as Prometheus does) and report wall time, the primary's CPU time and body size.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { initTelemetry } from '@otelkit/telemetry';
import { promClient } from '../lib/setup.mjs';
import { populateMeter, populateProm } from '../lib/series.mjs';

const WORKERS = Number(process.env.WORKERS ?? 8);
const SERIES = Number(process.env.SERIES ?? 10_000);
const common = { serviceName: 'bench-cluster', env: {}, runtimeMetrics: false, shutdownHooks: false, cardinalityLimit: SERIES + 10 };

if (cluster.isPrimary) {
  const tel = initTelemetry({ ...common, prometheus: { host: '127.0.0.1', port: 0 }, cluster: { mode: 'sum', timeoutMs: 60_000 } });
  await tel.ready;
  const aggregator = new promClient.AggregatorRegistry();
  const prom = createServer((req, res) => {
    aggregator.clusterMetrics().then(
      (text) => res.writeHead(200, { 'Content-Type': aggregator.contentType }).end(text),
      (e) => res.writeHead(500).end(String(e?.message ?? e)),
    );
  });
  await new Promise((r) => prom.listen(0, '127.0.0.1', r));
  const urls = {
    'prom-client': `http://127.0.0.1:${prom.address().port}/prom`,
    otelkit: tel.metricsUrl,
    'otelkit-openmetrics': tel.metricsUrl,
  };
  let up = 0;
  for (let i = 0; i < WORKERS; i++) {
    cluster.fork().on('message', (m) => {
      if (m?.bench === 'up' && ++up === WORKERS) process.send({ ready: true });
    });
  }
  process.on('message', async (m) => {
    if (m?.cmd === 'stop') {
      for (const w of Object.values(cluster.workers)) w.kill();
      prom.close();
      await tel.shutdown();
      process.exit(0);
    }
    if (m?.cmd !== 'scrape') return;
    const headers = m.which === 'otelkit-openmetrics' ? { Accept: 'application/openmetrics-text; version=1.0.0' } : {};
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await fetch(urls[m.which], { headers });
    const body = await res.arrayBuffer();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    process.send({ ms, cpuMs: (cpu.user + cpu.system) / 1000, bytes: body.byteLength, status: res.status });
  });
} else {
  const tel = initTelemetry({ ...common, cluster: { mode: 'sum' } });
  // prom-client's worker side: answers the AggregatorRegistry's requests for the global registry.
  new promClient.AggregatorRegistry();
  populateProm(promClient.register, SERIES);
  populateMeter(tel.meter('bench'), SERIES);
  process.send({ bench: 'up' });
}
