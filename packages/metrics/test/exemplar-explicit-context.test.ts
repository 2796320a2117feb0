import { expect } from 'chai';
import { context, ROOT_CONTEXT, trace, TraceFlags, type Context, type ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricProducer, histogramExemplars, sumExemplars, type HistogramCell, type SumCell } from '../src/index.js';

/*
 * A measurement may carry its context (the API's third argument: `record(v, attrs, ctx)`, as
 * otelkit's HTTP instrumentation records its durations): the exemplar takes the span of that
 * context, not of the active one, and the record does not enter the context to find it (that
 * was a context.with() per record: a closure, an AsyncLocalStorage run, and no span at all when
 * no context manager was registered).
 */
const spanCtx = (n: number, flags: TraceFlags, parent: Context = ROOT_CONTEXT) =>
  trace.setSpan(parent, trace.wrapSpanContext({ traceId: n.toString(16).padStart(32, '0'), spanId: n.toString(16).padStart(16, '0'), traceFlags: flags }));
const traceId = (n: number) => n.toString(16).padStart(32, '0');

/** The registered ALS manager, counting the contexts entered through it. */
class CountingManager extends AsyncLocalStorageContextManager {
  entered = 0;
  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    this.entered++;
    return super.with(ctx, fn, thisArg, ...args);
  }
}

describe('exemplars: a context passed with the measurement', () => {
  let manager: CountingManager;
  beforeEach(() => {
    manager = new CountingManager();
    context.setGlobalContextManager(manager.enable());
  });
  afterEach(() => context.disable());

  for (const filter of ['trace_based', 'always_on'] as const) {
    it(`${filter}: the passed context's span wins over the active one's, for counters and histograms, without entering it`, () => {
      const meter = new MeterProvider({ exemplarFilter: filter }).getMeter('t');
      const c = meter.createCounter('c');
      const h = meter.createHistogram('h', { advice: { explicitBucketBoundaries: [1, 10] } });
      context.with(spanCtx(1, TraceFlags.SAMPLED), () => {
        c.add(1, { k: 'explicit' }, spanCtx(2, TraceFlags.SAMPLED));
        h.record(5, { k: 'explicit' }, spanCtx(3, TraceFlags.SAMPLED));
        c.add(1, { k: 'active' });
      });
      expect(manager.entered, 'only the test entered a context').to.equal(1);
      const cell = (k: string) => (c.storage.cells as SumCell[]).find((x) => x.attributes.k === k)!;
      expect(sumExemplars(cell('explicit'))!.map((e) => e.traceId)).to.deep.equal([traceId(2)]);
      expect(sumExemplars(cell('active'))!.map((e) => e.traceId)).to.deep.equal([traceId(1)]);
      const hc = (h.storage.cells as HistogramCell[])[0]!;
      expect(histogramExemplars(hc)!.map((e) => [e.value, e.traceId])).to.deep.equal([[5, traceId(3)]]);
    });
  }

  it('trace_based: an unsampled span in the passed context means no exemplar, even inside a sampled active span', () => {
    const c = new MeterProvider({ exemplarFilter: 'trace_based' }).getMeter('t').createCounter('c');
    context.with(spanCtx(1, TraceFlags.SAMPLED), () => c.add(1, {}, spanCtx(2, TraceFlags.NONE)));
    expect(sumExemplars((c.storage.cells as SumCell[])[0]!)).to.equal(undefined);
  });

  it('the passed context counts with no context manager registered at all', async () => {
    context.disable();
    const mp = new MeterProvider({ exemplarFilter: 'trace_based' });
    const h = mp.getMeter('t').createHistogram('h', { advice: { explicitBucketBoundaries: [1] } });
    h.record(0.5, {}, spanCtx(7, TraceFlags.SAMPLED));
    h.record(0.7);
    const res = await new MetricProducer(mp.store).collect();
    const dp = res.resourceMetrics.scopeMetrics[0]!.metrics[0]!.dataPoints[0] as { exemplars?: { traceId: string; value: number }[] };
    expect(dp.exemplars?.map((e) => [e.traceId, e.value])).to.deep.equal([[traceId(7), 0.5]]);
  });

  it('anything passed that is not a Context is ignored: the active span counts, nothing throws', () => {
    const c = new MeterProvider({ exemplarFilter: 'trace_based' }).getMeter('t').createCounter('c');
    context.with(spanCtx(4, TraceFlags.SAMPLED), () => {
      for (const junk of [null, 42, 'ctx', {}, { getValue: 'no' }]) c.add(1, {}, junk as unknown as Context);
    });
    const cell = (c.storage.cells as SumCell[])[0]!;
    expect(cell.value).to.equal(5);
    expect(sumExemplars(cell)!.map((e) => e.traceId)).to.deep.equal([traceId(4)]);
  });

  it('a manager that is not AsyncLocalStorage-based still sees the passed context (the filter reads it, not the manager)', () => {
    const seen: Context[] = [];
    const fixed: ContextManager = {
      active: () => ROOT_CONTEXT,
      with: (ctx, fn, thisArg, ...args) => (seen.push(ctx), fn.call(thisArg, ...args)),
      bind: (_ctx, target) => target,
      enable() {
        return this;
      },
      disable() {
        return this;
      },
    };
    context.disable();
    context.setGlobalContextManager(fixed);
    const c = new MeterProvider({ exemplarFilter: 'trace_based' }).getMeter('t').createCounter('c');
    c.add(1, {}, spanCtx(9, TraceFlags.SAMPLED));
    expect(seen).to.have.length(0);
    expect(sumExemplars((c.storage.cells as SumCell[])[0]!)!.map((e) => e.traceId)).to.deep.equal([traceId(9)]);
  });
});
