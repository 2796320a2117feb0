import { expect } from 'chai';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricProducer, type HistogramCell, type SumCell } from '../src/index.js';
import { captureDiag } from './support/capture-diag.js';


describe('instruments', () => {
  before(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  after(() => context.disable());

  it('counter: bound and unbound adds land in one series, whatever the key order', () => {
    const mp = new MeterProvider({ exemplarFilter: 'always_off' });
    const c = mp.getMeter('t').createCounter('requests');
    const bound = c.bind({ route: 'fast', status: 'ok' });
    bound.add(2);
    c.add(3, { status: 'ok', route: 'fast' });
    c.add(1, { route: 'slow', status: 'ok' });
    const cells = c.storage.cells as SumCell[];
    expect(cells.map((x) => [x.attributes, x.value])).to.deep.equal([
      [{ route: 'fast', status: 'ok' }, 5],
      [{ route: 'slow', status: 'ok' }, 1],
    ]);
  });

  it('drops bad values with one warning per kind and never throws', () => {
    const d = captureDiag();
    try {
      const mp = new MeterProvider();
      const m = mp.getMeter('t');
      const c = m.createCounter('c');
      const h = m.createHistogram('h');
      for (let i = 0; i < 100; i++) {
        c.add(NaN);
        c.add(-1);
        c.add(Infinity);
        c.add('x' as unknown as number);
        h.record(-0.5);
        h.record(NaN);
      }
      c.add(1);
      h.record(3);
      expect((c.storage.cells[0] as SumCell).value).to.equal(1);
      const hc = h.storage.cells[0] as HistogramCell;
      expect(hc.count).to.equal(1);
      expect(hc.sum).to.equal(3);
      expect(d.messages.length).to.equal(6);
    } finally {
      d.restore();
    }
  });

  it('histogram buckets are upper-inclusive like Prometheus le', () => {
    const mp = new MeterProvider();
    const h = mp.getMeter('t').createHistogram('d', { advice: { explicitBucketBoundaries: [1, 2, 5] } });
    const b = h.bind({});
    for (const v of [0, 1, 1.5, 2, 4.9, 5, 5.1, 100]) b.record(v);
    const cell = h.storage.cells[0] as HistogramCell;
    expect(cell.counts).to.deep.equal([2, 2, 2, 2]);
    expect(cell.min).to.equal(0);
    expect(cell.max).to.equal(100);
  });

  it('caps series at the cardinality limit and aggregates the rest into the overflow series', () => {
    const mp = new MeterProvider({ cardinalityLimit: 10 });
    const c = mp.getMeter('t').createCounter('c');
    for (let i = 0; i < 1000; i++) c.add(1, { id: i });
    expect(c.storage.size).to.equal(10);
    const overflow = (c.storage.cells as SumCell[]).find((x) => x.attributes['otel.metric.overflow'] === true);
    expect(overflow?.value).to.equal(991);
    const total = (c.storage.cells as SumCell[]).reduce((a, x) => a + x.value, 0);
    expect(total).to.equal(1000);
  });

  it('trace_based exemplars come only from sampled spans', async () => {
    const mp = new MeterProvider({ exemplarFilter: 'trace_based' });
    const h = mp.getMeter('t').createHistogram('lat', { advice: { explicitBucketBoundaries: [1, 10] } });
    const sampled = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED });
    const unsampled = trace.wrapSpanContext({ traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: TraceFlags.NONE });
    const b = h.bind({});
    // Without a context manager, context.with does not propagate: record with explicit context.
    h.record(0.5, {}, trace.setSpan(context.active(), sampled));
    h.record(5, {}, trace.setSpan(context.active(), unsampled));
    b.record(50);
    const res = await new MetricProducer(mp.store).collect();
    const dp = res.resourceMetrics.scopeMetrics[0]!.metrics[0]!.dataPoints[0] as { exemplars?: { traceId: string; value: number }[] };
    expect(dp.exemplars?.map((e) => [e.traceId, e.value])).to.deep.equal([['a'.repeat(32), 0.5]]);
  });
});
