import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider } from '@otelkit/metrics';
import { startPrometheus, waitFor, type PrometheusServer } from '@otelkit/testkit';
import { createMetricsHandler } from '../src/index.js';

interface ExemplarResult {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

// A real Prometheus 2.42 scrapes the handler (it negotiates OpenMetrics) with exemplar storage on.
describe('scraped by a real Prometheus', function () {
  this.timeout(90_000);
  const manager = new AsyncLocalStorageContextManager();
  const tracerProvider = new TracerProvider();
  const tracer = tracerProvider.getTracer('integration');
  const mp = new MeterProvider();
  const meter = mp.getMeter('shop', '3.1.0');
  const orders = meter.createCounter('orders', { description: 'Orders placed', unit: '{order}' });
  const duration = meter.createHistogram('order.duration', { description: 'Order duration', unit: 's', advice: { explicitBucketBoundaries: [0.1, 1, 10] } });
  const hostile = meter.createCounter('hostile', { description: 'Label values a parser could choke on: "quotes", \\ and\nnewlines' });
  const depth = meter.createObservableGauge('queue.depth', { description: 'Queue depth', unit: '{item}' });
  const hostileValues = ['say "hi"', 'C:\\temp\\x', 'two\nlines', 'zürich 東京 😀', '\\"\\n', 'long-' + 'x'.repeat(4000), '}{,=" # {trace_id="x"} 1'];
  const traceIds: string[] = [];
  const testStart = Date.now() / 1000;
  let server: Server;
  let prom: PrometheusServer;

  before(async () => {
    context.setGlobalContextManager(manager.enable());
    depth.addCallback((r) => r.observe(12, { queue: 'orders' }));
    const shops = ['north', 'south', 'east'];
    const values = [0.05, 0.5, 5];
    shops.forEach((shop, i) => {
      tracer.startActiveSpan(`order ${shop}`, (span) => {
        traceIds.push(span.spanContext().traceId);
        orders.add(i + 1, { shop });
        duration.record(values[i]!, { shop: 'all' });
        span.end();
      });
    });
    hostileValues.forEach((v, i) => hostile.add(i + 1, { v }));
    server = createServer(createMetricsHandler({ store: mp.store, resource: resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': 'shop-1' }) }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    prom = await startPrometheus({ targets: [`127.0.0.1:${port}`], flags: ['--enable-feature=exemplar-storage'], scrapeIntervalSeconds: 1 });
    await prom.waitForTargetsUp(30_000);
  });

  after(async () => {
    await prom?.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    manager.disable();
    context.disable();
    await tracerProvider.shutdown();
  });

  it('the target is up and the series carry the values recorded', async () => {
    const up = await prom.query('up');
    expect(up.map((r) => r.value[1])).to.deep.equal(['1']);
    const ordersResult = await waitFor('orders_total', async () => {
      const r = await prom.query('orders_total');
      return r.length === 3 ? r : undefined;
    });
    expect(Object.fromEntries(ordersResult.map((r) => [r.metric.shop, r.value[1]]))).to.deep.equal({ north: '1', south: '2', east: '3' });
    for (const r of ordersResult) expect(r.metric).to.include({ otel_scope_name: 'shop', otel_scope_version: '3.1.0', job: 'otelkit' });
    const buckets = await prom.query('order_duration_seconds_bucket');
    expect(Object.fromEntries(buckets.map((r) => [r.metric.le, r.value[1]]))).to.deep.equal({ '0.1': '1', '1.0': '2', '10.0': '3', '+Inf': '3' });
    expect((await prom.query('order_duration_seconds_count'))[0]!.value[1]).to.equal('3');
    expect(Number((await prom.query('order_duration_seconds_sum'))[0]!.value[1])).to.be.closeTo(5.55, 1e-9);
    expect((await prom.query('queue_depth{queue="orders"}'))[0]!.value[1]).to.equal('12');
    const info = await prom.query('target_info');
    expect(info).to.have.length(1);
    // A direct scrape (honor_labels: false): Prometheus keeps the scrape's job / instance on every
    // series, target_info included (so it joins on(job, instance)), and stores the service's own
    // as exported_job / exported_instance.
    expect(info[0]!.metric).to.include({ job: 'otelkit', exported_job: 'shop', exported_instance: 'shop-1' });
    expect(info[0]!.metric).not.to.have.property('service_name');
  });

  it('hostile label values arrive intact and the scrape stays up', async () => {
    const r = await prom.query('hostile_total');
    expect(r.map((x) => x.metric.v).sort()).to.deep.equal([...hostileValues].sort());
    for (const x of r) expect(x.value[1]).to.equal(String(hostileValues.indexOf(x.metric.v!) + 1));
    const health = await prom.api<{ activeTargets: { health: string; lastError: string }[] }>('targets');
    expect(health.activeTargets.map((t) => [t.health, t.lastError])).to.deep.equal([['up', '']]);
  });

  it('query_exemplars returns exactly the trace ids of the spans the values were recorded in', async () => {
    const params = { query: '{__name__=~"orders_total|order_duration_seconds_bucket"}', start: String(testStart - 60), end: String(Date.now() / 1000 + 60) };
    const result = await waitFor('exemplars', async () => {
      const r = await prom.api<ExemplarResult[]>('query_exemplars', params);
      const n = r.reduce((a, s) => a + s.exemplars.length, 0);
      return n >= 6 ? r : undefined;
    });
    const byName = (name: string): string[] =>
      result
        .filter((s) => s.seriesLabels.__name__ === name)
        .flatMap((s) => s.exemplars.map((e) => e.labels.trace_id!))
        .sort();
    expect(byName('orders_total')).to.deep.equal([...traceIds].sort());
    expect(byName('order_duration_seconds_bucket')).to.deep.equal([...traceIds].sort());
    for (const s of result) {
      for (const e of s.exemplars) {
        expect(Object.keys(e.labels).sort()).to.deep.equal(['span_id', 'trace_id']);
        expect(e.labels.span_id).to.match(/^[0-9a-f]{16}$/);
      }
    }
    const bucketOf = Object.fromEntries(result.filter((s) => s.seriesLabels.le !== undefined).flatMap((s) => s.exemplars.map((e) => [e.value, s.seriesLabels.le])));
    expect(bucketOf).to.deep.equal({ '0.05': '0.1', '0.5': '1.0', '5': '10.0' });
  });
});
