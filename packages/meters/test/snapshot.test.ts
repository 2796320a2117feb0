import { expect } from 'chai';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import { buildSnapshot, createCoordinatorMeters, createServiceHealthMeters } from '../src/index.js';

/** The coordinator workload of the snapshot tests; figures below are worked out by hand from it. */
function workload() {
  const provider = new MeterProvider({ exemplarFilter: 'always_off' });
  const meter = provider.getMeter('coordinator');
  const m = createCoordinatorMeters(meter, { latencyBoundaries: [0.25, 0.5, 1, 2] });
  for (let i = 0; i < 10; i++) m.execution.task('fast', 'success', 0.125);
  for (let i = 0; i < 5; i++) m.execution.task('planner', 'success', 0.375);
  for (let i = 0; i < 3; i++) m.execution.task('planner', 'failure', 0.75);
  m.execution.task('hgnn', 'failure', 1.5);
  m.execution.task('hgnn', 'success', 3);
  for (let i = 0; i < 10; i++) m.routing.decision('fast');
  for (let i = 0; i < 6; i++) m.routing.decision('planner');
  for (let i = 0; i < 3; i++) m.routing.decision('hgnn');
  m.routing.decision('bogus' as never);
  for (let i = 0; i < 3; i++) m.routing.hgnnPlan('generated');
  m.routing.hgnnPlan('empty');
  for (let i = 0; i < 3; i++) m.routing.cacheLookup('hit');
  m.routing.cacheLookup('miss');
  const health = createServiceHealthMeters(meter, { service: 'evaluator' });
  health.queueDepth('signals').set(7);
  health.observePool({ size: 4, idle: 1, waiting: 2 }, { name: 'main' });
  return provider;
}

describe('buildSnapshot', () => {
  it('counters, coordinator rates and routing ratios: exact figures', async () => {
    const provider = workload();
    await provider.store.observe();
    const s = buildSnapshot(provider.store, { startTimeMs: 1_000_000, nowMs: 1_012_500 });
    expect(s.schemaVersion).to.equal(1);
    expect(s.uptimeSeconds).to.equal(12.5);
    expect(s.timeMs).to.equal(1_012_500);
    expect(s.coordinator).to.deep.equal({
      tasks: 20,
      successRate: 0.8,
      decisions: 20,
      routingRatios: { fast: 0.5, planner: 0.3, hgnn: 0.15, other: 0.05 },
      planSuccessRate: 0.75,
      cacheHitRate: 0.75,
    });
    expect(s.counters['coordinator.routing.decisions']).to.deep.equal({
      unit: '{decision}',
      total: 20,
      series: [
        { attributes: { route: 'fast' }, value: 10 },
        { attributes: { route: 'planner' }, value: 6 },
        { attributes: { route: 'hgnn' }, value: 3 },
        { attributes: { route: 'other' }, value: 1 },
      ],
    });
    expect(s.counters['coordinator.execution.tasks']!.total).to.equal(20);
    expect(s.counters['coordinator.execution.escalation.failures']).to.deep.equal({ unit: '{failure}', total: 0, series: [{ attributes: {}, value: 0 }] });
    expect(s.gauges['queue.depth']).to.deep.equal({ unit: '{item}', series: [{ attributes: { service: 'evaluator', queue_name: 'signals' }, value: 7 }] });
    expect(s.gauges['db.client.connection.count']!.series.map((x) => x.value)).to.deep.equal([1, 3]);
    expect(s.gauges['db.client.connection.pending_requests']!.series.map((x) => x.value)).to.deep.equal([2]);
  });

  it('histogram latency figures per instrument (merged over series) and per series: exact figures', () => {
    const s = buildSnapshot(workload().store, { startTimeMs: 0, nowMs: 0 });
    const h = s.histograms['coordinator.execution.duration']!;
    // buckets ≤0.25: 10, ≤0.5: 5, ≤1: 3, ≤2: 1, +Inf: 1
    expect({ ...h, p99: undefined, series: undefined }).to.deep.equal({
      unit: 's',
      count: 20,
      sum: 9.875,
      min: 0.125,
      max: 3,
      mean: 0.49375,
      p50: 0.25, // rank 10 ends the first bucket
      p95: 2, // rank 19 ends the (1, 2] bucket
      p99: undefined,
      boundaries: [0.25, 0.5, 1, 2],
      series: undefined,
    });
    expect(h.p99).to.be.closeTo(2.8, 1e-9); // rank 19.8: 2 + (3 - 2) × 0.8
    const [fast, planner, hgnn] = h.series;
    // every fast task took 0.125 s: interpolation (0.125, 0.2375, 0.2475) is clamped to the max
    expect(fast).to.deep.equal({ attributes: { path: 'fast' }, count: 10, sum: 1.25, min: 0.125, max: 0.125, mean: 0.125, p50: 0.125, p95: 0.125, p99: 0.125 });
    expect([planner!.count, planner!.sum, planner!.min, planner!.max, planner!.mean]).to.deep.equal([8, 4.125, 0.375, 0.75, 0.515625]);
    expect(planner!.p50).to.be.closeTo(0.45, 1e-12); // rank 4 of 5 in (0.25, 0.5]
    expect(planner!.p95).to.equal(0.75); // 0.9333… clamped to max
    expect([hgnn!.count, hgnn!.sum, hgnn!.p50]).to.deep.equal([2, 4.5, 2]);
    expect(hgnn!.p95).to.be.closeTo(2.9, 1e-12);
    const empty = s.histograms['coordinator.dispatch.duration']!;
    expect({ count: empty.count, min: empty.min, mean: empty.mean, p50: empty.p50 }).to.deep.equal({ count: 0, min: null, mean: null, p50: null });
  });

  it('exporter health: normalized, errors as messages, missing fields as null / 0', () => {
    const s = buildSnapshot(new MeterProvider().store, {
      startTimeMs: 5,
      nowMs: 5,
      exporters: {
        otlp: { lastSuccessMs: 1_010_000, lastErrorMs: 1_011_000, lastError: new Error('503 Service Unavailable'), failures: 2, consecutiveFailures: 1 },
        prometheus: {},
        bogus: { failures: -3, lastSuccessMs: NaN },
      },
    });
    expect(s.exporters).to.deep.equal({
      otlp: { lastSuccessMs: 1_010_000, lastErrorMs: 1_011_000, lastError: '503 Service Unavailable', failures: 2, consecutiveFailures: 1 },
      prometheus: { lastSuccessMs: null, lastErrorMs: null, lastError: null, failures: 0, consecutiveFailures: 0 },
      bogus: { lastSuccessMs: null, lastErrorMs: null, lastError: null, failures: 0, consecutiveFailures: 0 },
    });
    expect(s.coordinator).to.equal(null);
    expect(s.uptimeSeconds).to.equal(0);
  });

  it('is plain JSON, and reads the same cells the exporters read (no second tally)', async () => {
    const provider = workload();
    const producer = new MetricProducer(provider.store);
    const { resourceMetrics } = await producer.collect();
    const s = buildSnapshot(provider.store, { startTimeMs: 0 });
    expect(JSON.parse(JSON.stringify(s))).to.deep.equal(s);
    const exported = resourceMetrics.scopeMetrics[0]!.metrics;
    for (const md of exported) {
      const name = md.descriptor.name;
      if (s.counters[name]) {
        expect(s.counters[name]!.series.map((x) => x.value), name).to.deep.equal(md.dataPoints.map((p) => p.value));
      } else if (s.histograms[name]) {
        const counts = md.dataPoints.map((p) => (p.value as { count: number }).count);
        expect(s.histograms[name]!.series.map((x) => x.count), name).to.deep.equal(counts);
      } else {
        expect(s.gauges[name]!.series.map((x) => x.value), name).to.deep.equal(md.dataPoints.map((p) => p.value));
      }
    }
    expect(Object.keys(s.counters).length + Object.keys(s.histograms).length + Object.keys(s.gauges).length).to.equal(exported.length);
    // a task recorded after both shows up in the next snapshot and the next export alike
    const tasks = () => buildSnapshot(provider.store, { startTimeMs: 0 }).counters['coordinator.execution.tasks']!.total;
    const before = tasks();
    createCoordinatorMeters(provider.getMeter('coordinator')).execution.task('fast', 'success');
    expect(tasks()).to.equal(before + 1);
    const again = (await producer.collect()).resourceMetrics.scopeMetrics[0]!.metrics.find((m) => m.descriptor.name === 'coordinator.execution.tasks')!;
    expect(again.dataPoints.reduce((n, p) => n + (p.value as number), 0)).to.equal(before + 1);
  });
});
