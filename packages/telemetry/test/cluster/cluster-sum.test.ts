import { expect } from 'chai';
import { parseOpenMetricsStrict, promtoolCheckMetrics, sampleValue, startPrometheus, waitFor, type PrometheusServer } from '@otelkit/testkit';
import { ClusterService } from './cluster-service.js';

type Recorded = { traceIds: Record<string, string[]> };
const total = (text: string): number | undefined => sampleValue(text, 'cluster_test_requests_total', { route: '/a' });

/**
 * A node:cluster service (a primary and 3 worker processes, all with `initTelemetry({ cluster })`),
 * default `sum` mode: one /metrics on the primary with every worker's series merged.
 */
describe('cluster aggregation, sum mode: one /metrics for every worker (real processes)', function () {
  this.timeout(60_000);
  let svc: ClusterService;
  let prometheus: PrometheusServer | undefined;
  const traceIds = new Set<string>();
  let expected = 0;
  let expectedInflight = 0;

  before(async () => {
    const started = Date.now();
    svc = await ClusterService.start({ WORKERS: '3', MODE: 'sum', STALE_MS: '1500', TIMEOUT_MS: '800' });
    const r = await svc.command<Recorded>({ cmd: 'record', n: 4, value: 0.2 }, 'RECORDED');
    for (const ids of Object.values(r.traceIds)) for (const id of ids) traceIds.add(id);
    expected = 12;
    expectedInflight = 12;
    console.log(`      (cluster of 3 up and recorded in ${Date.now() - started} ms)`);
  });
  after(async () => {
    await prometheus?.stop();
    await svc?.stop();
  });

  it('sums counters, up-down counters and histograms per series across workers; gauges stay per worker', async () => {
    const text = await svc.scrape();
    expect(total(text)).to.equal(12);
    expect(sampleValue(text, 'cluster_test_duration_seconds_count', { route: '/a' })).to.equal(12);
    expect(sampleValue(text, 'cluster_test_duration_seconds_bucket', { route: '/a', le: '0.1' })).to.equal(0);
    expect(sampleValue(text, 'cluster_test_duration_seconds_bucket', { route: '/a', le: '0.5' })).to.equal(12);
    expect(sampleValue(text, 'cluster_test_duration_seconds_sum', { route: '/a' })).to.be.closeTo(2.4, 1e-9);
    expect(sampleValue(text, 'cluster_test_inflight')).to.equal(12);
    // One summed series, not one per worker.
    expect(text.split('\n').filter((l) => l.startsWith('cluster_test_requests_total{'))).to.have.length(1);
    // Gauges are not additive: one series per worker, told apart by the worker label.
    for (const w of svc.workers) expect(sampleValue(text, 'cluster_test_worker_pid_ratio', { worker: w }), `gauge of worker ${w}`).to.be.a('number');
    // The primary's own series are part of the scrape.
    expect(sampleValue(text, 'cluster_test_primary_events_total')).to.equal(1);
    const check = promtoolCheckMetrics(text);
    expect(check.status, check.output).to.equal(0);
  });

  it('OpenMetrics: strict parser accepts it, exemplars carry the trace ids the workers recorded in', async () => {
    const text = await svc.scrape(true);
    const families = parseOpenMetricsStrict(text);
    const requests = families.find((f) => f.name === 'cluster_test_requests')!;
    const ex = requests.samples[0]!.exemplar;
    expect(ex, 'counter exemplar').to.not.equal(null);
    expect(traceIds.has(ex!.labels.trace_id!), `trace id ${ex!.labels.trace_id} is one the workers recorded`).to.equal(true);
    const duration = families.find((f) => f.name === 'cluster_test_duration_seconds')!;
    const bucket = duration.samples.find((s) => s.name === 'cluster_test_duration_seconds_bucket' && s.labels.le === '0.5')!;
    expect(bucket.exemplar, 'bucket exemplar').to.not.equal(null);
    expect(traceIds.has(bucket.exemplar!.labels.trace_id!)).to.equal(true);
    expect(bucket.exemplar!.value).to.equal(0.2);
  });

  it('a real Prometheus scrapes the primary and sees the totals', async () => {
    const u = new URL(svc.url);
    prometheus = await startPrometheus({ targets: [u.host], scrapeIntervalSeconds: 1 });
    await prometheus.waitForTargetsUp();
    await waitFor('the summed total in Prometheus', async () => {
      const r = await prometheus!.query('sum(cluster_test_requests_total{route="/a"})');
      return r.length === 1 && Number(r[0]!.value[1]) === expected;
    }, 20_000, 250);
  });

  it('a killed worker is replaced: totals do not go backwards, its gauges age out, its up-down counts leave', async () => {
    const victim = svc.workers[0]!;
    svc.send({ cmd: 'kill', worker: victim, signal: 'SIGKILL' });
    const forked = (await svc.next('FORKED')) as { worker: string };
    expectedInflight -= 4;
    let text = await svc.scrape();
    expect(total(text), 'the dead worker\'s count stays in the total').to.equal(12);
    expect(sampleValue(text, 'cluster_test_duration_seconds_count', { route: '/a' })).to.equal(12);
    expect(sampleValue(text, 'cluster_test_inflight')).to.equal(expectedInflight);
    const r = await svc.command<Recorded>({ cmd: 'record', n: 1, value: 0.7 }, 'RECORDED');
    expect(Object.keys(r.traceIds)).to.include(forked.worker);
    expected += 3;
    expectedInflight += 3;
    text = await svc.scrape();
    expect(total(text)).to.equal(expected);
    expect(sampleValue(text, 'cluster_test_duration_seconds_bucket', { route: '/a', le: '1' })).to.equal(expected);
    expect(sampleValue(text, 'cluster_test_inflight')).to.equal(expectedInflight);
    await waitFor('the dead worker\'s gauge to age out', async () => sampleValue(await svc.scrape(), 'cluster_test_worker_pid_ratio', { worker: victim }) === undefined, 10_000, 250);
    expect(sampleValue(await svc.scrape(), 'cluster_test_worker_pid_ratio', { worker: forked.worker })).to.be.a('number');
    svc.workers = svc.workers.filter((w) => w !== victim).concat(forked.worker);
    // Prometheus saw no counter reset: the increase over the run is exactly what was recorded since its first scrape.
    await waitFor('Prometheus to see the new total', async () => {
      const q = await prometheus!.query('sum(cluster_test_requests_total{route="/a"})');
      return q.length === 1 && Number(q[0]!.value[1]) === expected;
    }, 20_000, 250);
    const resets = await prometheus!.query('resets(cluster_test_requests_total[5m])');
    expect(Number(resets[0]!.value[1])).to.equal(0);
  });

  it('a worker that exits gracefully sends its last values: nothing counted since the last scrape is lost', async () => {
    await svc.command<Recorded>({ cmd: 'record', n: 2, value: 0.05 }, 'RECORDED');
    expected += 6;
    const victim = svc.workers[1]!;
    // No scrape in between: the counts of the victim's last 2 requests reach the primary only through its final message.
    svc.send({ cmd: 'kill', worker: victim, signal: 'SIGTERM' });
    const forked = (await svc.next('FORKED')) as { worker: string };
    svc.workers = svc.workers.filter((w) => w !== victim).concat(forked.worker);
    expect(total(await svc.scrape())).to.equal(expected);
  });

  it('health() lists every worker and the departed series; snapshot() covers all workers', async () => {
    const h = (await svc.command<Record<string, any>>({ cmd: 'health' }, 'HEALTH')) as { status: string; cluster: any };
    expect(h.cluster.role).to.equal('primary');
    expect(h.cluster.mode).to.equal('sum');
    const live = h.cluster.workers.filter((w: any) => w.state === 'ready').map((w: any) => w.worker);
    expect(live).to.include.members(['primary', ...svc.workers]);
    expect(h.cluster.departedSeries).to.be.greaterThan(0);
    for (const w of h.cluster.workers.filter((x: any) => x.worker !== 'primary' && x.state === 'ready')) expect(w.serviceInstanceId).to.match(/^[0-9a-f-]{36}$/);
    expect(h.status).to.equal('ok');
    const snap = (await svc.command<Record<string, any>>({ cmd: 'snapshot' }, 'SNAPSHOT')) as any;
    expect(snap.counters['cluster.test.requests'].total).to.equal(expected);
    expect(snap.histograms['cluster.test.duration'].count).to.equal(expected);
  });

  it('a hung worker does not hang the scrape: its previous values are served and health() reports it', async () => {
    const victim = svc.workers[2]!;
    svc.send({ cmd: 'hang', worker: victim, ms: 3000 });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    const text = await svc.scrape();
    expect(Date.now() - t0).to.be.lessThan(2500);
    expect(total(text)).to.equal(expected);
    const h = (await svc.command<Record<string, any>>({ cmd: 'health' }, 'HEALTH')) as { status: string; cluster: any };
    const w = h.cluster.workers.find((x: any) => x.worker === victim);
    expect(w.state).to.equal('unresponsive');
    expect(w.lastError).to.match(/did not answer/);
    expect(h.status).to.equal('degraded');
    await waitFor('the worker to answer again', async () => {
      await svc.scrape();
      const again = (await svc.command<Record<string, any>>({ cmd: 'health' }, 'HEALTH')) as { cluster: any };
      return again.cluster.workers.find((x: any) => x.worker === victim).state === 'ready';
    }, 10_000, 300);
  });
});
