import { expect } from 'chai';
import { MeterProvider as SdkMeterProvider, InMemoryMetricExporter, AggregationTemporality, PeriodicExportingMetricReader, DataPointType } from '@opentelemetry/sdk-metrics';
import { MeterProvider, type HistogramCell } from '@otelkit/metrics';
import { createCoordinatorMeters, COORDINATOR_METRICS, LATENCY_BUCKETS, MetersConfigError } from '../../src/index.js';
import { captureDiag, histogram, storage, value, values } from '../helpers.js';

function setup() {
  const provider = new MeterProvider({ exemplarFilter: 'always_off' });
  const meters = createCoordinatorMeters(provider.getMeter('coordinator'));
  return { store: provider.store, meters };
}

describe('createCoordinatorMeters', () => {
  it('registers every coordinator metric with its name, kind, unit, description and buckets', () => {
    const { store } = setup();
    const got = store.instruments.map((s) => ({
      name: s.descriptor.name,
      kind: s.descriptor.kind,
      unit: s.descriptor.unit,
      description: s.descriptor.description,
      boundaries: s.descriptor.boundaries,
    }));
    const want = COORDINATOR_METRICS.map((d) => ({ name: d.name, kind: d.kind, unit: d.unit, description: d.description, boundaries: d.boundaries ?? [] }));
    expect(got).to.deep.equal(want);
    expect(storage(store, 'coordinator.execution.duration').descriptor.boundaries).to.deep.equal(LATENCY_BUCKETS);
  });

  it('binds every series of the closed attribute sets up front, at zero', () => {
    const { store } = setup();
    expect(values(store, 'coordinator.routing.decisions')).to.deep.equal([
      [{ route: 'fast' }, 0],
      [{ route: 'planner' }, 0],
      [{ route: 'hgnn' }, 0],
    ]);
    expect(values(store, 'coordinator.execution.tasks').map(([a]) => a)).to.deep.equal([
      { outcome: 'success', path: 'fast' },
      { outcome: 'failure', path: 'fast' },
      { outcome: 'success', path: 'planner' },
      { outcome: 'failure', path: 'planner' },
      { outcome: 'success', path: 'hgnn' },
      { outcome: 'failure', path: 'hgnn' },
    ]);
    expect(values(store, 'coordinator.dispatch.dispatches').map(([a]) => `${a.route}/${a.status}`)).to.deep.equal(['planner/ok', 'planner/err', 'hgnn/ok', 'hgnn/err']);
    expect(values(store, 'coordinator.persistence.proto_plan.upserts').map(([a]) => a.status)).to.deep.equal(['ok', 'err', 'truncated']);
    expect(values(store, 'coordinator.persistence.outbox.enqueues').map(([a]) => a.status)).to.deep.equal(['ok', 'dup', 'err']);
    expect(storage(store, 'coordinator.persistence.duration').cells.map((c) => c.attributes.operation)).to.deep.equal(['proto_plan_upsert', 'outbox_enqueue']);
  });

  it('routing: records decisions, plans, cache lookups, remote and bulk resolutions', () => {
    const { store, meters } = setup();
    const r = meters.routing;
    r.decision('fast');
    r.decision('fast');
    r.decision('hgnn');
    r.hgnnPlan('generated');
    r.hgnnPlan('empty');
    r.hgnnPlan('generated');
    r.cacheLookup('hit');
    r.cacheLookup('miss');
    r.remoteResolution('success', 0.25);
    r.remoteResolution('failure', 2);
    r.remoteResolution('success');
    r.bulkResolve(10, 3);
    r.bulkResolve(5);
    expect(values(store, 'coordinator.routing.decisions').map(([, v]) => v)).to.deep.equal([2, 0, 1]);
    expect(value(store, 'coordinator.routing.hgnn.plans', { result: 'generated' })).to.equal(2);
    expect(value(store, 'coordinator.routing.hgnn.plans', { result: 'empty' })).to.equal(1);
    expect(value(store, 'coordinator.routing.cache.lookups', { result: 'hit' })).to.equal(1);
    expect(value(store, 'coordinator.routing.remote.resolutions', { outcome: 'success' })).to.equal(2);
    expect(value(store, 'coordinator.routing.remote.resolutions', { outcome: 'failure' })).to.equal(1);
    const ok = histogram(store, 'coordinator.routing.remote.duration', { outcome: 'success' })!;
    expect([ok.count, ok.sum]).to.deep.equal([1, 0.25]);
    expect(histogram(store, 'coordinator.routing.remote.duration', { outcome: 'failure' })!.sum).to.equal(2);
    expect(value(store, 'coordinator.routing.bulk_resolve.items', {})).to.equal(15);
    expect(value(store, 'coordinator.routing.bulk_resolve.failed_items', {})).to.equal(3);
  });

  it('execution, persistence, dispatch and end-to-end record into the right series', () => {
    const { store, meters } = setup();
    meters.execution.task('planner', 'success', 1.5);
    meters.execution.task('planner', 'failure', 0.5);
    meters.execution.task('fast', 'success');
    meters.execution.escalationFailure();
    meters.persistence.protoPlanUpsert('truncated', 0.01);
    meters.persistence.outboxEnqueue('dup', 0.002);
    meters.persistence.outboxEnqueue('ok');
    meters.dispatch.dispatch('hgnn', 'err', 3);
    meters.routeAndExecute(4);
    expect(value(store, 'coordinator.execution.tasks', { path: 'planner', outcome: 'success' })).to.equal(1);
    expect(value(store, 'coordinator.execution.tasks', { path: 'planner', outcome: 'failure' })).to.equal(1);
    expect(value(store, 'coordinator.execution.tasks', { path: 'fast', outcome: 'success' })).to.equal(1);
    const planner = histogram(store, 'coordinator.execution.duration', { path: 'planner' })!;
    expect([planner.count, planner.sum, planner.min, planner.max]).to.deep.equal([2, 2, 0.5, 1.5]);
    expect(histogram(store, 'coordinator.execution.duration', { path: 'fast' })!.count).to.equal(0);
    expect(value(store, 'coordinator.execution.escalation.failures', {})).to.equal(1);
    expect(value(store, 'coordinator.persistence.proto_plan.upserts', { status: 'truncated' })).to.equal(1);
    expect(value(store, 'coordinator.persistence.outbox.enqueues', { status: 'dup' })).to.equal(1);
    expect(value(store, 'coordinator.persistence.outbox.enqueues', { status: 'ok' })).to.equal(1);
    expect(histogram(store, 'coordinator.persistence.duration', { operation: 'proto_plan_upsert' })!.sum).to.equal(0.01);
    expect(histogram(store, 'coordinator.persistence.duration', { operation: 'outbox_enqueue' })!.count).to.equal(1);
    expect(value(store, 'coordinator.dispatch.dispatches', { route: 'hgnn', status: 'err' })).to.equal(1);
    expect(histogram(store, 'coordinator.dispatch.duration', { route: 'hgnn' })!.sum).to.equal(3);
    const e2e = histogram(store, 'coordinator.route_and_execute.duration', {})!;
    expect(e2e.counts[LATENCY_BUCKETS.indexOf(5)]).to.equal(1);
  });

  it('execution.run measures a task, counts its outcome and returns or rethrows what the task did', async () => {
    const { store, meters } = setup();
    expect(meters.execution.run('fast', () => 42)).to.equal(42);
    const v = await meters.execution.run('planner', async () => {
      await new Promise((r) => setTimeout(r, 30));
      return 'plan';
    });
    expect(v).to.equal('plan');
    const boom = new Error('boom');
    expect(() => meters.execution.run('fast', () => { throw boom; })).to.throw(boom);
    let caught: unknown;
    await meters.execution.run('hgnn', () => Promise.reject(boom)).catch((e: unknown) => (caught = e));
    expect(caught).to.equal(boom);
    expect(value(store, 'coordinator.execution.tasks', { path: 'fast', outcome: 'success' })).to.equal(1);
    expect(value(store, 'coordinator.execution.tasks', { path: 'fast', outcome: 'failure' })).to.equal(1);
    expect(value(store, 'coordinator.execution.tasks', { path: 'planner', outcome: 'success' })).to.equal(1);
    expect(value(store, 'coordinator.execution.tasks', { path: 'hgnn', outcome: 'failure' })).to.equal(1);
    const planner = histogram(store, 'coordinator.execution.duration', { path: 'planner' })!;
    expect(planner.count).to.equal(1);
    expect(planner.sum).to.be.within(0.025, 1);
  });

  it('unknown attribute values go to "other" with one warning per metric and attribute', () => {
    const d = captureDiag();
    try {
      const { store, meters } = setup();
      const anyMeters = meters as unknown as {
        routing: { decision(v: unknown): void };
        execution: { task(p: unknown, o: unknown, s?: number): void };
        dispatch: { dispatch(r: unknown, s: unknown): void };
      };
      for (let i = 0; i < 50; i++) {
        anyMeters.routing.decision(`route-${i}`);
        anyMeters.routing.decision(i);
        anyMeters.routing.decision({ toString: () => 'fast' });
        anyMeters.execution.task('turbo', 'success', 0.1);
        anyMeters.execution.task('fast', 'maybe');
        anyMeters.dispatch.dispatch('fast', 'ok');
      }
      expect(values(store, 'coordinator.routing.decisions')).to.deep.equal([
        [{ route: 'fast' }, 0],
        [{ route: 'planner' }, 0],
        [{ route: 'hgnn' }, 0],
        [{ route: 'other' }, 150],
      ]);
      expect(value(store, 'coordinator.execution.tasks', { path: 'other', outcome: 'success' })).to.equal(50);
      expect(value(store, 'coordinator.execution.tasks', { path: 'fast', outcome: 'other' })).to.equal(50);
      expect(histogram(store, 'coordinator.execution.duration', { path: 'other' })!.count).to.equal(50);
      expect(value(store, 'coordinator.dispatch.dispatches', { route: 'other', status: 'ok' })).to.equal(50);
      // decisions.route, tasks.path, tasks.outcome, duration.path, dispatches.route
      expect(d.messages.length, d.messages.join('\n')).to.equal(5);
      expect(d.messages[0]).to.contain('coordinator.routing.decisions: attribute "route" got "route-0"');
      expect(storage(store, 'coordinator.routing.decisions').size).to.equal(4);
    } finally {
      d.restore();
    }
  });

  it('bad numbers are dropped with one warning per kind, never thrown, and leave the series intact', () => {
    const d = captureDiag();
    try {
      const { store, meters } = setup();
      meters.execution.task('fast', 'success', 0.2);
      meters.routing.bulkResolve(4, 1);
      const bad: unknown[] = [NaN, Infinity, -Infinity, -0.5, '0.3', null, {}];
      for (let i = 0; i < 20; i++) {
        for (const b of bad) {
          expect(() => meters.execution.task('fast', 'success', b as number)).not.to.throw();
          expect(() => meters.routeAndExecute(b as number)).not.to.throw();
          expect(() => meters.routing.bulkResolve(b as number, b as number)).not.to.throw();
        }
      }
      const fast = histogram(store, 'coordinator.execution.duration', { path: 'fast' })!;
      expect([fast.count, fast.sum, fast.min, fast.max]).to.deep.equal([1, 0.2, 0.2, 0.2]);
      expect(histogram(store, 'coordinator.route_and_execute.duration', {})!.count).to.equal(0);
      // the task counter counts the tasks even when their duration was unusable
      expect(value(store, 'coordinator.execution.tasks', { path: 'fast', outcome: 'success' })).to.equal(1 + 20 * bad.length);
      expect(value(store, 'coordinator.routing.bulk_resolve.items', {})).to.equal(4);
      expect(value(store, 'coordinator.routing.bulk_resolve.failed_items', {})).to.equal(1);
      const kinds = new Set(d.messages);
      expect(kinds.size).to.equal(d.messages.length);
      // 2 histograms × (NaN, infinite, negative, non-number) + 2 counters × (NaN, infinite, negative, non-number)
      expect(d.messages.length, d.messages.join('\n')).to.equal(16);
    } finally {
      d.restore();
    }
  });

  it('rejects bad configuration with a typed error naming the field', () => {
    const meter = new MeterProvider().getMeter('x');
    expect(() => createCoordinatorMeters(meter, { latencyBoundaries: [1, 0.5] })).to.throw(MetersConfigError, /options\.latencyBoundaries.*e\.g\./);
    expect(() => createCoordinatorMeters(null as never)).to.throw(MetersConfigError, /meter must be a Meter/);
  });

  it('latencyBoundaries replaces the buckets of every coordinator histogram', () => {
    const provider = new MeterProvider();
    createCoordinatorMeters(provider.getMeter('c'), { latencyBoundaries: [0.1, 1, 10] });
    for (const s of provider.store.instruments) if (s.descriptor.kind === 'histogram') expect(s.descriptor.boundaries, s.descriptor.name).to.deep.equal([0.1, 1, 10]);
  });

  it('works on a plain sdk-metrics Meter (no bind): same series, same values', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new SdkMeterProvider({ readers: [reader] });
    const meters = createCoordinatorMeters(provider.getMeter('sdk'));
    meters.routing.decision('planner');
    meters.routing.decision('bogus' as never);
    meters.execution.task('hgnn', 'failure', 0.3);
    await reader.forceFlush();
    const metrics = exporter.getMetrics()[0]!.scopeMetrics[0]!.metrics;
    const decisions = metrics.find((m) => m.descriptor.name === 'coordinator.routing.decisions')!;
    expect(decisions.dataPoints.map((p) => [p.attributes.route, p.value])).to.deep.equal([
      ['fast', 0],
      ['planner', 1],
      ['hgnn', 0],
      ['other', 1],
    ]);
    const duration = metrics.find((m) => m.descriptor.name === 'coordinator.execution.duration')!;
    expect(duration.dataPointType).to.equal(DataPointType.HISTOGRAM);
    const hgnn = duration.dataPoints.find((p) => p.attributes.path === 'hgnn')!;
    expect((hgnn.value as { buckets: { boundaries: number[] } }).buckets.boundaries).to.deep.equal(LATENCY_BUCKETS);
    await provider.shutdown();
  });

  it('keeps recording silently after the provider is shut down (no-op meter)', () => {
    const provider = new MeterProvider();
    provider.shutdown();
    const meters = createCoordinatorMeters(provider.getMeter('late'));
    expect(() => {
      meters.routing.decision('fast');
      meters.execution.task('fast', 'success', 1);
      meters.routeAndExecute(1);
    }).not.to.throw();
    expect(provider.store.instruments).to.have.length(0);
  });

  it('a histogram cell holds the figures the record calls put in (bucket placement)', () => {
    const { store, meters } = setup();
    for (const s of [0.005, 0.0051, 0.1, 60, 61]) meters.dispatch.dispatch('planner', 'ok', s);
    const cell = histogram(store, 'coordinator.dispatch.duration', { route: 'planner' }) as HistogramCell;
    const expected = new Array(LATENCY_BUCKETS.length + 1).fill(0);
    expected[0] = 1; // 0.005 (upper-inclusive)
    expected[1] = 1; // 0.0051
    expected[LATENCY_BUCKETS.indexOf(0.1)] = 1;
    expected[LATENCY_BUCKETS.indexOf(60)] = 1;
    expected[LATENCY_BUCKETS.length] = 1; // +Inf
    expect(cell.counts).to.deep.equal(expected);
  });
});
