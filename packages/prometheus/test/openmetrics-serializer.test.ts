import { expect } from 'chai';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '@otelkit/metrics';
import { OPENMETRICS_CONTENT_TYPE, serializeOpenMetrics, serializeOpenMetricsBuffer } from '../src/index.js';
import { metaLines, samples, scrape, validate } from './exposition-support.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';
const sampled = trace.setSpanContext(context.active(), { traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED });

describe('OpenMetrics 1.0 serializer', () => {
  const manager = new AsyncLocalStorageContextManager();
  before(() => context.setGlobalContextManager(manager.enable()));
  after(() => {
    manager.disable();
    context.disable();
  });

  it('content type is application/openmetrics-text version 1.0.0', () => {
    expect(OPENMETRICS_CONTENT_TYPE).to.equal('application/openmetrics-text; version=1.0.0; charset=utf-8');
  });

  it('ends with # EOF and has no other # lines than HELP, TYPE and UNIT', async () => {
    const mp = new MeterProvider();
    mp.getMeter('e').createCounter('a', { description: 'A' }).add(1);
    const out = await scrape('openmetrics', mp.store);
    expect(out.endsWith('\n# EOF\n')).to.equal(true);
    for (const l of metaLines(out)) expect(l).to.match(/^# (HELP|TYPE|UNIT) |^# EOF$/);
  });

  it('uses the family name without _total in TYPE and HELP, samples keep _total', async () => {
    const mp = new MeterProvider();
    mp.getMeter('c').createCounter('jobs.total', { description: 'Jobs' }).add(2);
    const out = await scrape('openmetrics', mp.store);
    expect(metaLines(out).slice(0, 2)).to.deep.equal(['# HELP jobs Jobs', '# TYPE jobs counter']);
    expect(samples(out)[0]!.name).to.equal('jobs_total');
    const fams = validate('openmetrics', out)!;
    expect(fams.map((f) => [f.name, f.type])).to.deep.equal([['jobs', 'counter']]);
  });

  it('writes UNIT only when the family name ends in _<unit>', async () => {
    const mp = new MeterProvider();
    const m = mp.getMeter('u');
    m.createHistogram('rpc.duration', { description: 'D', unit: 's' }).record(1);
    m.createCounter('process.cpu.seconds', { description: 'CPU', unit: 's' }).add(1);
    m.createGauge('seconds.spent.here', { description: 'S', unit: 's' }).record(1);
    m.createGauge('cache.hit', { description: 'R', unit: '1' }).record(0.5);
    m.createUpDownCounter('queue.size', { description: 'Q', unit: '{item}' }).add(1);
    m.createObservableGauge('net.rate', { description: 'N', unit: 'By/s' }).addCallback((r) => r.observe(5));
    const out = await scrape('openmetrics', mp.store);
    expect(metaLines(out).filter((l) => l.startsWith('# UNIT'))).to.deep.equal([
      '# UNIT rpc_duration_seconds seconds',
      '# UNIT process_cpu_seconds seconds',
      '# UNIT cache_hit_ratio ratio',
      '# UNIT net_rate_bytes_per_second bytes_per_second',
    ]);
    const units = Object.fromEntries(validate('openmetrics', out)!.map((f) => [f.name, f.unit]));
    expect(units).to.deep.equal({
      rpc_duration_seconds: 'seconds',
      process_cpu_seconds: 'seconds',
      seconds_spent_here: '',
      cache_hit_ratio: 'ratio',
      queue_size: '',
      net_rate_bytes_per_second: 'bytes_per_second',
    });
  });

  it('writes le in canonical float form', async () => {
    const mp = new MeterProvider();
    mp.getMeter('le').createHistogram('spread', { description: 'S', advice: { explicitBucketBoundaries: [0.00001, 0.25, 1, 10, 1000000] } }).record(3);
    const out = await scrape('openmetrics', mp.store);
    expect(samples(out).filter((s) => s.name === 'spread_bucket').map((s) => s.labels.le)).to.deep.equal(['1e-05', '0.25', '1.0', '10.0', '1e+06', '+Inf']);
  });

  it('writes exemplars on _bucket and counter _total samples only, with trace and span ids', async () => {
    const mp = new MeterProvider();
    const m = mp.getMeter('ex');
    const c = m.createCounter('orders', { description: 'Orders' });
    const h = m.createHistogram('order.duration', { description: 'Order duration', unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } });
    const g = m.createGauge('inflight', { description: 'In flight' });
    const u = m.createUpDownCounter('queue', { description: 'Queue' });
    const before = Date.now();
    context.with(sampled, () => {
      c.add(3, { shop: 'a' });
      h.record(0.5, { shop: 'a' });
      h.record(5, { shop: 'a' });
      g.record(1);
      u.add(1);
    });
    const out = await scrape('openmetrics', mp.store);
    const withEx = samples(out).filter((s) => s.exemplar !== undefined);
    expect(withEx.map((s) => [s.name, s.labels.le])).to.deep.equal([
      ['orders_total', undefined],
      ['order_duration_seconds_bucket', '1.0'],
      ['order_duration_seconds_bucket', '+Inf'],
    ]);
    const fams = validate('openmetrics', out)!;
    const exemplars = fams.flatMap((f) => f.samples.filter((s) => s.exemplar !== null).map((s) => ({ name: s.name, ...s.exemplar! })));
    expect(exemplars.map((e) => [e.name, e.labels, e.value])).to.deep.equal([
      ['orders_total', { trace_id: TRACE, span_id: SPAN }, 3],
      ['order_duration_seconds_bucket', { trace_id: TRACE, span_id: SPAN }, 0.5],
      ['order_duration_seconds_bucket', { trace_id: TRACE, span_id: SPAN }, 5],
    ]);
    for (const e of exemplars) expect(e.timestamp! * 1000).to.be.within(before - 1, Date.now() + 1);
  });

  it('writes {} for an exemplar recorded without valid ids (always_on outside a span)', async () => {
    const mp = new MeterProvider({ exemplarFilter: 'always_on' });
    mp.getMeter('ex').createCounter('beats', { description: 'Beats' }).add(1);
    const out = await scrape('openmetrics', mp.store);
    expect(samples(out)[0]!.exemplar).to.match(/^\{\} 1 \d+(\.\d+)?$/);
  });

  it('does not write an exemplar whose value is outside its bucket', async () => {
    const mp = new MeterProvider();
    const h = mp.getMeter('ex').createHistogram('sizes', { description: 'Sizes', advice: { explicitBucketBoundaries: [10, 20] } });
    context.with(sampled, () => {
      h.record(5);
      h.record(15);
    });
    // A corrupted slot (a value recorded under other boundaries, say) must not reach Prometheus,
    // which would reject the whole scrape.
    h.storage.cells[0]!.exemplars!.values[1] = 25;
    const out = await scrape('openmetrics', mp.store);
    expect(samples(out).filter((s) => s.exemplar !== undefined).map((s) => s.labels.le)).to.deep.equal(['10.0']);
  });

  it('exemplars: false leaves them out', async () => {
    const mp = new MeterProvider();
    const c = mp.getMeter('ex').createCounter('quiet', { description: 'Q' });
    context.with(sampled, () => c.add(1));
    expect(c.storage.cells[0]!.exemplar).not.to.equal(undefined);
    const out = await scrape('openmetrics', mp.store, undefined, { exemplars: false });
    expect(out).not.to.include(' # ');
  });

  it('omits _created', async () => {
    const mp = new MeterProvider();
    mp.getMeter('c').createCounter('made', { description: 'M' }).add(1);
    mp.getMeter('c').createHistogram('hist', { description: 'H' }).record(1);
    const out = await scrape('openmetrics', mp.store);
    expect(out).not.to.include('_created');
  });

  it('serializeOpenMetricsBuffer is the UTF-8 encoding of serializeOpenMetrics', async () => {
    const mp = new MeterProvider();
    const h = mp.getMeter('big').createHistogram('big', { description: 'Big', advice: { explicitBucketBoundaries: [1, 2, 3] } });
    context.with(sampled, () => {
      for (let i = 0; i < 1500; i++) h.record(i % 4, { key: `ключ-${i}` });
    });
    await mp.store.observe();
    const s = serializeOpenMetrics(mp.store);
    expect(s.length).to.be.greaterThan(2 * 65_536);
    expect(serializeOpenMetricsBuffer(mp.store).equals(Buffer.from(s, 'utf8'))).to.equal(true);
    expect(samples(s)).to.have.length(1500 * 6);
  });
});
