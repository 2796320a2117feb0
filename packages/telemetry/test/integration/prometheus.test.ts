import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promtoolCheckMetrics, startPrometheus, waitFor, type PrometheusServer } from '@otelkit/testkit';
import { initTelemetry, type Telemetry } from '../../src/index.js';

const DEMO = fileURLToPath(new URL('../../../../examples/demo/main.mjs', import.meta.url));

describe('a real Prometheus scrapes initTelemetry()', function () {
  this.timeout(60_000);
  let tel: Telemetry;
  let prom: PrometheusServer;
  before(async () => {
    tel = initTelemetry({
      serviceName: 'scraped',
      runtimeMetrics: true,
      shutdownHooks: false,
      env: {},
      // Port 0: bound by the endpoint itself (a port picked free beforehand can be taken first).
      prometheus: { host: '127.0.0.1', port: 0 },
    });
    await tel.ready;
    const m = tel.meter('orders', '1.0.0');
    const placed = m.createCounter('orders.placed', { unit: '{order}', description: 'Orders placed.' });
    placed.bind({ channel: 'web' }).add(7);
    placed.add(5, { channel: 'app' });
    const lat = m.createHistogram('orders.latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });
    for (const v of [0.05, 0.2, 0.3, 0.7, 2]) lat.record(v, { channel: 'web' });
    m.createUpDownCounter('orders.open', { unit: '{order}' }).add(-3, { channel: 'web' });
    m.createGauge('orders.temperature', { unit: 'Cel' }).record(21.5);
    prom = await startPrometheus({ targets: [new URL(tel.metricsUrl!).host] });
  });
  after(async () => {
    await prom?.stop();
    await tel?.shutdown().catch(() => undefined);
  });

  it('the target is up and every series holds the value the test recorded', async () => {
    await prom.waitForTargetsUp();
    const value = async (expr: string): Promise<number> => {
      const r = await waitFor(`a result for ${expr}`, async () => {
        const res = await prom.query(expr);
        return res.length === 1 ? res : undefined;
      });
      return Number(r[0]!.value[1]);
    };
    expect(await value('orders_placed_total{channel="web"}')).to.equal(7);
    expect(await value('orders_placed_total{channel="app"}')).to.equal(5);
    expect(await value('orders_latency_seconds_count{channel="web"}')).to.equal(5);
    expect(await value('orders_latency_seconds_sum{channel="web"}')).to.be.closeTo(3.25, 1e-9);
    expect(await value('orders_latency_seconds_bucket{channel="web",le="0.5"}')).to.equal(3);
    expect(await value('orders_latency_seconds_bucket{channel="web",le="+Inf"}')).to.equal(5);
    expect(await value('orders_open{channel="web"}')).to.equal(-3);
    expect(await value('orders_temperature_celsius')).to.equal(21.5);
    // A direct scrape: Prometheus' job / instance; the service's own kept as exported_job (issue 15).
    expect(await value('target_info{exported_job="scraped"}')).to.equal(1);
    expect(await value('up')).to.equal(1);
  });

  it('promtool check metrics finds nothing to report on the endpoint output (runtime metrics included)', async () => {
    const body = await (await fetch(tel.metricsUrl!)).text();
    expect(body).to.contain('nodejs_eventloop');
    const r = promtoolCheckMetrics(body);
    expect(r.output).to.equal('');
    expect(r.status).to.equal(0);
  });
});

describe('a real Prometheus scrapes the demo service', function () {
  this.timeout(90_000);
  let demo: ChildProcess;
  let prom: PrometheusServer;
  let out = '';
  after(async () => {
    await prom?.stop();
    if (demo && demo.exitCode === null) {
      const gone = new Promise((r) => demo.once('exit', r));
      demo.kill('SIGTERM');
      await gone;
    }
  });

  it('starts on free ports (PORT=0), prints the bound URLs, is scraped up, and shows traffic with exemplars', async () => {
    // Port 0 for both: a port picked free beforehand can be taken before the demo binds it (it
    // happened in CI: EADDRINUSE on the API port); the demo prints the ports it bound.
    demo = spawn(process.execPath, [DEMO], {
      env: { ...process.env, PORT: '0', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    demo.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const urls = await waitFor('the demo to print its URLs', () => {
      const api = /API: +http:\/\/127\.0\.0\.1:(\d+)\/quote/.exec(out)?.[1];
      const metrics = /metrics: +http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(out)?.[1];
      return api !== undefined && metrics !== undefined ? { apiPort: Number(api), metricsPort: Number(metrics) } : undefined;
    }, 20_000);
    const { apiPort, metricsPort } = urls;
    expect(apiPort).to.be.greaterThan(0);
    expect(metricsPort).to.be.greaterThan(0);
    // The printed API port is the one it serves (and its synthetic traffic goes to).
    expect(await (await fetch(`http://127.0.0.1:${apiPort}/quote`)).status).to.be.oneOf([200, 502]);
    prom = await startPrometheus({ targets: [`127.0.0.1:${metricsPort}`], flags: ['--enable-feature=exemplar-storage'] });
    await prom.waitForTargetsUp();
    const total = await waitFor('demo traffic in Prometheus', async () => {
      const r = await prom.query('sum(demo_requests_total)');
      return r.length === 1 && Number(r[0]!.value[1]) > 5 ? Number(r[0]!.value[1]) : undefined;
    });
    expect(total).to.be.greaterThan(5);
    const ex = await waitFor('exemplars from the demo', async () => {
      const now = Date.now() / 1000;
      const data = await prom.api<{ exemplars: { labels: Record<string, string> }[] }[]>('query_exemplars', {
        query: 'demo_request_duration_seconds_bucket',
        start: String(now - 300),
        end: String(now),
      });
      const all = data.flatMap((s) => s.exemplars);
      return all.length > 0 ? all : undefined;
    });
    expect(ex[0]!.labels.trace_id).to.match(/^[0-9a-f]{32}$/);
    expect(ex[0]!.labels.span_id).to.match(/^[0-9a-f]{16}$/);
  });
});
