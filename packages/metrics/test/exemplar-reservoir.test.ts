import { expect } from 'chai';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, histogramExemplars, sumExemplars, type HistogramCell, type SumCell } from '../src/index.js';

const span = (n: number) =>
  trace.wrapSpanContext({ traceId: n.toString(16).padStart(32, '0'), spanId: n.toString(16).padStart(16, '0'), traceFlags: TraceFlags.SAMPLED });
const inSpan = (n: number, fn: () => void) => context.with(trace.setSpan(context.active(), span(n)), fn);

describe('exemplar reservoirs', () => {
  before(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  after(() => context.disable());

  it('histogram: one exemplar per bucket, its value inside that bucket, from the spans that recorded there', () => {
    const h = new MeterProvider().getMeter('t').createHistogram('h', { advice: { explicitBucketBoundaries: [1, 10] } });
    const cell = h.bind({}) as unknown as HistogramCell;
    inSpan(1, () => cell.record(0.5));
    inSpan(2, () => cell.record(5));
    inSpan(3, () => cell.record(7));
    inSpan(4, () => cell.record(50));
    const ex = histogramExemplars(cell)!;
    expect(ex).to.have.length(3);
    expect(ex[0]).to.include({ value: 0.5, traceId: span(1).spanContext().traceId });
    expect([5, 7]).to.include(ex[1]!.value);
    expect(ex[1]!.traceId).to.equal(span(ex[1]!.value === 5 ? 2 : 3).spanContext().traceId);
    expect(ex[2]).to.include({ value: 50 });
    for (const e of ex) expect(e.timeMs).to.be.closeTo(Date.now(), 5000);
  });

  it('histogram: each slot is a uniform draw over its bucket within a collection cycle', () => {
    const provider = new MeterProvider();
    const h = provider.getMeter('t').createHistogram('h', { advice: { explicitBucketBoundaries: [100] } });
    const cell = h.bind({}) as unknown as HistogramCell;
    const picks = [0, 0, 0, 0];
    const cycles = 4000;
    for (let c = 0; c < cycles; c++) {
      for (let v = 0; v < 4; v++) inSpan(v + 1, () => cell.record(v));
      // Each collection that exports exemplars ends the cycle when its visitor returns.
      provider.store.collectSync(() => picks[histogramExemplars(cell)![0]!.value]!++);
    }
    // Each of 4 values should be picked ~25% of the time; "last seen" would pick value 3 always.
    for (const p of picks) expect(p / cycles).to.be.within(0.2, 0.3);
  });

  // Pearson's chi-square over 10 equally likely bins (9 degrees of freedom); 33.72 is its
  // 1 - 1e-4 quantile, so a uniform reservoir fails a check once in ~10 000 runs, while a bias of
  // ~10% in one bin (e.g. an off-by-one in the skip draw) or "last seen" fails every time.
  const CHI2_9_P1E4 = 33.72;
  const chi2 = (bins: number[]) => {
    const total = bins.reduce((a, b) => a + b, 0);
    return bins.reduce((a, o) => a + (o - total / bins.length) ** 2 / (total / bins.length), 0);
  };

  for (const perCycle of [10, 1000]) {
    it(`counter: the kept measurement is uniform over the cycle's offers (${perCycle} per cycle, chi-square)`, () => {
      const provider = new MeterProvider();
      const cell = provider.getMeter('t').createCounter('c').bind({}) as unknown as SumCell;
      const bins = new Array<number>(10).fill(0);
      const cycles = perCycle === 10 ? 20000 : 3000;
      const width = perCycle / 10;
      for (let c = 0; c < cycles; c++) {
        // The value is the offer's position in the cycle (counter values must be >= 0).
        inSpan(c + 1, () => {
          for (let v = 0; v < perCycle; v++) cell.add(v);
        });
        provider.store.collectSync(() => bins[Math.floor(sumExemplars(cell)![0]!.value / width)]!++);
      }
      expect(chi2(bins)).to.be.below(CHI2_9_P1E4, `kept positions per decile: ${bins.join(' ')}`);
    });

    it(`histogram: each bucket's kept measurement is uniform over its offers (${perCycle} per cycle per bucket, chi-square)`, () => {
      const provider = new MeterProvider();
      const h = provider.getMeter('t').createHistogram('h', { advice: { explicitBucketBoundaries: [perCycle] } });
      const cell = h.bind({}) as unknown as HistogramCell;
      const bins = [new Array<number>(10).fill(0), new Array<number>(10).fill(0)];
      const cycles = perCycle === 10 ? 20000 : 3000;
      const width = perCycle / 10;
      for (let c = 0; c < cycles; c++) {
        // Bucket 0 gets positions 0 … perCycle-1, bucket 1 the same + perCycle + 1, interleaved.
        inSpan(c + 1, () => {
          for (let v = 0; v < perCycle; v++) {
            cell.record(v);
            cell.record(v + perCycle + 1);
          }
        });
        provider.store.collectSync(() => {
          const [e0, e1] = histogramExemplars(cell)!;
          bins[0]![Math.floor(e0!.value / width)]!++;
          bins[1]![Math.floor((e1!.value - perCycle - 1) / width)]!++;
        });
      }
      for (const b of bins) expect(chi2(b)).to.be.below(CHI2_9_P1E4, `kept positions per decile: ${b.join(' ')}`);
    });
  }

  it('a new cycle replaces the exemplar with its first sampled measurement', () => {
    const provider = new MeterProvider();
    const c = provider.getMeter('t').createCounter('c');
    const cell = c.bind({}) as unknown as SumCell;
    inSpan(1, () => cell.add(1));
    for (let i = 0; i < 100; i++) inSpan(2, () => cell.add(2));
    provider.store.collectSync(() => undefined);
    inSpan(9, () => cell.add(3));
    expect(sumExemplars(cell)![0]).to.include({ value: 3, traceId: span(9).spanContext().traceId });
  });

  it('a collection whose export carries no exemplars (exportsExemplars: false) leaves the cycle open; read() never ends it', async () => {
    const provider = new MeterProvider();
    const cell = provider.getMeter('t').createCounter('c').bind({}) as unknown as SumCell;
    inSpan(1, () => cell.add(1));
    for (let i = 0; i < 200; i++) inSpan(2, () => cell.add(2));
    const before = cell.exemplar!.offered;
    await provider.store.collect(() => undefined, { exportsExemplars: false });
    provider.store.read(() => undefined);
    expect(cell.exemplar!.offered).to.equal(before);
    await provider.store.collect(() => undefined);
    expect(cell.exemplar!.offered).to.equal(0);
  });

  it('an exemplar with malformed or all-zero ids is exported without ids', () => {
    const provider = new MeterProvider({ exemplarFilter: 'always_on' });
    const cell = provider.getMeter('t').createCounter('c').bind({}) as unknown as SumCell;
    for (const [traceId, spanId] of [
      ['0'.repeat(32), '1'.repeat(16)],
      ['A'.repeat(32), '1'.repeat(16)],
      ['1'.repeat(32), '0'.repeat(16)],
      ['1'.repeat(31), '1'.repeat(16)],
    ]) {
      const sc = trace.wrapSpanContext({ traceId, spanId, traceFlags: TraceFlags.SAMPLED });
      context.with(trace.setSpan(context.active(), sc), () => cell.add(1));
      provider.store.collectSync(() => undefined);
      context.with(trace.setSpan(context.active(), sc), () => cell.add(1));
      expect(sumExemplars(cell)![0]).to.include({ traceId: '', spanId: '' });
    }
  });

  it('outside a span (trace_based) no exemplar; always_off never samples', () => {
    const h = new MeterProvider().getMeter('t').createHistogram('h');
    const cell = h.bind({}) as unknown as HistogramCell;
    cell.record(3);
    expect(histogramExemplars(cell)).to.equal(undefined);
    const off = new MeterProvider({ exemplarFilter: 'always_off' }).getMeter('t').createHistogram('h').bind({}) as unknown as HistogramCell;
    inSpan(1, () => off.record(3));
    expect(histogramExemplars(off)).to.equal(undefined);
  });

  it('always_on samples outside spans too, with empty ids', () => {
    const cell = new MeterProvider({ exemplarFilter: 'always_on' }).getMeter('t').createCounter('c').bind({}) as unknown as SumCell;
    cell.add(4);
    expect(sumExemplars(cell)![0]).to.include({ value: 4, traceId: '', spanId: '' });
  });
});
