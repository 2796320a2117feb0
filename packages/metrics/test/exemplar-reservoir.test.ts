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
    const before = cell.exemplar!.seen;
    await provider.store.collect(() => undefined, { exportsExemplars: false });
    provider.store.read(() => undefined);
    expect(cell.exemplar!.seen).to.equal(before);
    await provider.store.collect(() => undefined);
    expect(cell.exemplar!.seen).to.equal(0);
  });

  // The draw comes before the filter (exemplar-reservoir.ts): once a series has a slot, only the
  // measurement the draw picks reads the active context — about ln N of a cycle's N.
  const countingManager = () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    let reads = 0;
    const active = manager.active.bind(manager);
    manager.active = () => {
      reads++;
      return active();
    };
    return { manager, reads: () => reads };
  };

  for (const kind of ['counter', 'histogram'] as const) {
    it(`${kind}: in a sampled span, a cycle of 10 000 measurements reads the active context ~ln N times, not N`, () => {
      context.disable();
      const counting = countingManager();
      context.setGlobalContextManager(counting.manager);
      try {
        const provider = new MeterProvider();
        const meter = provider.getMeter('t');
        const record =
          kind === 'counter'
            ? ((c) => (v: number) => c.add(v))(meter.createCounter('c').bind({}) as unknown as SumCell)
            : ((h) => (v: number) => h.record(v))(meter.createHistogram('h', { advice: { explicitBucketBoundaries: [1e9] } }).bind({}) as unknown as HistogramCell);
        const readsPerCycle: number[] = [];
        for (let cycle = 0; cycle < 3; cycle++) {
          // context.with reads the active context once itself.
          const before = counting.reads() + 1;
          inSpan(cycle + 1, () => {
            for (let v = 0; v < 10_000; v++) record(v);
          });
          readsPerCycle.push(counting.reads() - before);
          provider.store.collectSync(() => undefined);
        }
        // Picks in a cycle of N: the harmonic number H_N (~9.8 for 10 000, standard deviation ~2.9);
        // reading on every measurement would be 10 000.
        for (const r of readsPerCycle) expect(r).to.be.within(1, 40, `context reads per cycle: ${readsPerCycle.join(', ')}`);
      } finally {
        context.disable();
        context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      }
    });
  }

  it('a pick outside a sampled span waits for the next sampled measurement: any sampled one in a cycle is kept', () => {
    const provider = new MeterProvider();
    const meter = provider.getMeter('t');
    const counter = meter.createCounter('c').bind({}) as unknown as SumCell;
    const histogram = meter.createHistogram('h', { advice: { explicitBucketBoundaries: [1e9] } }).bind({}) as unknown as HistogramCell;
    const unsampled = trace.wrapSpanContext({ traceId: 'f'.repeat(32), spanId: 'f'.repeat(16), traceFlags: TraceFlags.NONE });
    // Give both series their slots first.
    inSpan(1, () => {
      counter.add(0);
      histogram.record(0);
    });
    provider.store.collectSync(() => undefined);
    for (const only of [0, 1, 2, 500, 998, 999]) {
      for (let v = 0; v < 1000; v++) {
        const record = () => {
          counter.add(v);
          histogram.record(v);
        };
        if (v === only) inSpan(100 + only, record);
        else if (v % 2 === 0) context.with(trace.setSpan(context.active(), unsampled), record);
        else record();
      }
      const traceId = span(100 + only).spanContext().traceId;
      provider.store.collectSync(() => {
        expect(sumExemplars(counter)![0], `counter, sampled at ${only}`).to.include({ value: only, traceId });
        expect(histogramExemplars(histogram)![0], `histogram, sampled at ${only}`).to.include({ value: only, traceId });
      });
    }
  });

  it('with half of the measurements sampled, the kept one is always a sampled one, and each sampled position can be kept', () => {
    const provider = new MeterProvider();
    const cell = provider.getMeter('t').createCounter('c').bind({}) as unknown as SumCell;
    inSpan(1, () => cell.add(0));
    provider.store.collectSync(() => undefined);
    const kept = new Array<number>(20).fill(0);
    for (let cycle = 0; cycle < 4000; cycle++) {
      // Even positions in sampled spans whose span id encodes the position, odd ones outside.
      for (let v = 0; v < 20; v++) {
        if (v % 2 === 0) inSpan(1000 + v, () => cell.add(v));
        else cell.add(v);
      }
      provider.store.collectSync(() => {
        const e = sumExemplars(cell)![0]!;
        expect(e.value % 2, `kept position ${e.value}`).to.equal(0);
        expect(e.spanId).to.equal(span(1000 + e.value).spanContext().spanId);
        kept[e.value]!++;
      });
    }
    // A sampled position after an unsampled one gets twice the chance of position 0 (the pick can
    // land on either); uniform over all 20 positions would give 2/20 to each even one.
    for (let v = 2; v < 20; v += 2) expect(kept[v]! / 4000, `position ${v}: ${kept.join(' ')}`).to.be.within(0.07, 0.13);
    expect(kept[0]! / 4000).to.be.within(0.02, 0.08);
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
