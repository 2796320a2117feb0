import { expect } from 'chai';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '@otelkit/metrics';
import { serializeText, serializeTextBuffer, TEXT_CONTENT_TYPE } from '../src/index.js';
import { metaLines, samples, scrape } from './exposition-support.js';

const sampled = trace.setSpanContext(context.active(), { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });

describe('text 0.0.4 serializer', () => {
  const manager = new AsyncLocalStorageContextManager();
  before(() => context.setGlobalContextManager(manager.enable()));
  after(() => {
    manager.disable();
    context.disable();
  });

  it('content type is text/plain version 0.0.4', () => {
    expect(TEXT_CONTENT_TYPE).to.equal('text/plain; version=0.0.4; charset=utf-8');
  });

  it('never writes exemplars, even for values recorded in a sampled span', async () => {
    const mp = new MeterProvider();
    const m = mp.getMeter('ex');
    const c = m.createCounter('orders', { description: 'Orders' });
    const h = m.createHistogram('order.duration', { description: 'Order duration', unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } });
    context.with(sampled, () => {
      c.add(1, { shop: 'a' });
      h.record(0.5, { shop: 'a' });
    });
    expect(c.storage.cells[0]!.exemplar).not.to.equal(undefined);
    const out = await scrape('text', mp.store);
    expect(out).not.to.include(' # ');
    expect(out).not.to.include('trace_id');
    expect(out).not.to.include('# EOF');
  });

  it('keeps _total in TYPE and HELP of counters (the sample name), and writes no UNIT line', async () => {
    const mp = new MeterProvider();
    mp.getMeter('c').createCounter('http.server.requests', { description: 'Requests', unit: '{request}' }).add(3);
    mp.getMeter('c').createHistogram('http.server.duration', { description: 'Duration', unit: 's' }).record(3);
    const out = await scrape('text', mp.store);
    expect(metaLines(out)).to.deep.equal([
      '# HELP http_server_requests_total Requests',
      '# TYPE http_server_requests_total counter',
      '# HELP http_server_duration_seconds Duration',
      '# TYPE http_server_duration_seconds histogram',
    ]);
  });

  it('writes le as client_golang (and so the Collector) does: Go shortest float, exponent outside [1e-4, 1e6)', async () => {
    const mp = new MeterProvider();
    const bounds = [0.00001, 0.0001, 0.005, 0.25, 1, 2.5, 1000, 100000, 1000000, 12345678];
    mp.getMeter('le').createHistogram('spread', { description: 'Spread', advice: { explicitBucketBoundaries: bounds } }).record(3);
    const out = await scrape('text', mp.store);
    expect(samples(out).filter((s) => s.name === 'spread_bucket').map((s) => s.labels.le)).to.deep.equal([
      '1e-05', '0.0001', '0.005', '0.25', '1', '2.5', '1000', '100000', '1e+06', '1.2345678e+07', '+Inf',
    ]);
  });

  it('serializeTextBuffer is the UTF-8 encoding of serializeText, also across 64 KiB chunk boundaries', async () => {
    const mp = new MeterProvider({ exemplarFilter: 'always_off', cardinalityLimit: 5000 });
    const c = mp.getMeter('big').createCounter('big', { description: 'Big' });
    for (let i = 0; i < 3000; i++) c.add(i, { key: `välue-${i}-東京` });
    await mp.store.observe();
    const s = serializeText(mp.store);
    expect(s.length).to.be.greaterThan(2 * 65_536);
    expect(serializeTextBuffer(mp.store).equals(Buffer.from(s, 'utf8'))).to.equal(true);
    expect(samples(s)).to.have.length(3000);
  });
});
