import { expect } from 'chai';
import { ValueType } from '@opentelemetry/api';
import { MeterProvider, type GaugeCell, type HistogramCell, type SumCell } from '../src/index.js';
import { captureDiag } from './support/capture-diag.js';


// https://opentelemetry.io/docs/specs/otel/metrics/sdk/#duplicate-instrument-registration
describe('duplicate instrument registration (metrics SDK spec)', () => {
  let d: ReturnType<typeof captureDiag>;
  beforeEach(() => (d = captureDiag()));
  afterEach(() => d.restore());

  const provider = () => new MeterProvider({ exemplarFilter: 'always_off' });
  const sum = (i: { storage: { cells: unknown[] } }) => (i.storage.cells as SumCell[]).reduce((a, c) => a + c.value, 0);

  it('identical registrations: the same instrument, one metric, no warning', () => {
    const mp = provider();
    const m = mp.getMeter('svc');
    const a = m.createCounter('jobs', { unit: '{job}', description: 'Jobs done' });
    const b = m.createCounter('jobs', { unit: '{job}', description: 'Jobs done' });
    a.add(1);
    b.add(2);
    expect(b).to.equal(a);
    expect(mp.store.instruments).to.have.length(1);
    expect(sum(a)).to.equal(3);
    expect(d.messages).to.deep.equal([]);
  });

  it('the same name in another case: the first instrument and its first-seen name, one warning', () => {
    const mp = provider();
    const m = mp.getMeter('svc');
    const a = m.createCounter('jobs.done');
    const b = m.createCounter('Jobs.Done');
    m.createCounter('Jobs.Done').add(4);
    b.add(2);
    a.add(1);
    expect(mp.store.instruments.map((s) => s.descriptor.name)).to.deep.equal(['jobs.done']);
    expect(sum(a)).to.equal(7);
    expect(d.messages).to.have.length(1);
    expect(d.messages[0]).to.match(/case-insensitive/);
  });

  it('another unit: a second working metric, nothing dropped, one warning', () => {
    const mp = provider();
    const m = mp.getMeter('svc');
    const s = m.createHistogram('latency', { unit: 's' });
    const ms = m.createHistogram('latency', { unit: 'ms' });
    for (let i = 0; i < 3; i++) m.createHistogram('latency', { unit: 'ms' }).record(20);
    s.record(0.02);
    ms.record(20);
    expect(mp.store.instruments.map((x) => [x.descriptor.name, x.descriptor.unit])).to.deep.equal([
      ['latency', 's'],
      ['latency', 'ms'],
    ]);
    expect((mp.store.instruments[0]!.cells[0] as HistogramCell).count).to.equal(1);
    expect((mp.store.instruments[1]!.cells[0] as HistogramCell).count).to.equal(4);
    expect(d.messages).to.have.length(1);
    expect(d.messages[0]).to.include('unit "ms"').and.include('Rename one of them');
  });

  it('other kinds: a working metric each, nothing dropped, one warning for the name', () => {
    const mp = provider();
    const m = mp.getMeter('svc');
    const c = m.createCounter('queue');
    const g = m.createGauge('queue');
    const u = m.createUpDownCounter('queue');
    const og = m.createObservableGauge('queue');
    og.addCallback((r) => r.observe(9));
    c.add(1);
    g.record(5);
    u.add(-2);
    expect(mp.store.instruments.map((x) => x.descriptor.kind)).to.deep.equal(['counter', 'gauge', 'updowncounter', 'observablegauge']);
    expect(sum(c)).to.equal(1);
    expect((g.storage.cells[0] as GaugeCell).value).to.equal(5);
    expect(sum(u)).to.equal(-2);
    mp.store.observeSync();
    expect((mp.store.instruments[3]!.cells[0] as GaugeCell).value).to.equal(9);
    // One warning per name and meter, however many conflicting registrations.
    expect(d.messages).to.have.length(1);
  });

  it('another value type (integer vs floating point) is another metric: integers would truncate the doubles', () => {
    const mp = provider();
    const m = mp.getMeter('svc');
    const i = m.createCounter('bytes', { valueType: ValueType.INT });
    const f = m.createCounter('bytes', { valueType: ValueType.DOUBLE });
    i.add(1.7);
    f.add(1.7);
    expect(sum(i)).to.equal(1);
    expect(sum(f)).to.equal(1.7);
    expect(d.messages).to.have.length(1);
  });

  it('another description only: one metric (first description) that both record into, one warning with the fix', () => {
    const mp = provider();
    const m = mp.getMeter('svc');
    const a = m.createCounter('jobs', { description: 'Jobs done' });
    const b = m.createCounter('jobs', { description: 'Completed jobs' });
    m.createCounter('jobs', { description: 'Completed jobs' });
    a.add(1);
    b.add(2);
    expect(mp.store.instruments).to.have.length(1);
    expect(mp.store.instruments[0]!.descriptor.description).to.equal('Jobs done');
    expect(sum(a)).to.equal(3);
    expect(d.messages).to.have.length(1);
    expect(d.messages[0]).to.include('same description');
  });

  it('other advice: the first-seen advice, one warning', () => {
    const mp = provider();
    const m = mp.getMeter('svc');
    const a = m.createHistogram('t', { unit: 's', advice: { explicitBucketBoundaries: [1, 2] } });
    const b = m.createHistogram('t', { unit: 's', advice: { explicitBucketBoundaries: [5] } });
    expect(b).to.equal(a);
    expect(a.storage.descriptor.boundaries).to.deep.equal([1, 2]);
    expect(d.messages).to.have.length(1);
    expect(d.messages[0]).to.include('first-seen advice');
  });

  it('the same name in other meters (scope name, version) is another metric, without a warning', () => {
    const mp = provider();
    const a = mp.getMeter('lib-a').createCounter('jobs');
    const b = mp.getMeter('lib-b').createCounter('jobs', { unit: 's' });
    const c = mp.getMeter('lib-a', '2.0.0').createHistogram('jobs');
    a.add(1);
    b.add(2);
    c.record(3);
    expect(mp.store.instruments.map((s) => [s.scope.name, s.scope.version, s.descriptor.kind])).to.deep.equal([
      ['lib-a', undefined, 'counter'],
      ['lib-b', undefined, 'counter'],
      ['lib-a', '2.0.0', 'histogram'],
    ]);
    expect(d.messages).to.deep.equal([]);
  });

  it('units built from data cannot grow the metrics of a name without bound: past 4, a kind it has records into its first metric', () => {
    const mp = provider();
    const m = mp.getMeter('svc');
    for (let i = 0; i < 100; i++) m.createCounter('jobs', { unit: `u${i}` }).add(1);
    m.createGauge('jobs').record(1);
    expect(mp.store.instruments.map((s) => [s.descriptor.kind, s.descriptor.unit])).to.deep.equal([
      ['counter', 'u0'],
      ['counter', 'u1'],
      ['counter', 'u2'],
      ['counter', 'u3'],
      ['gauge', ''],
    ]);
    expect((mp.store.instruments[0]!.cells[0] as SumCell).value).to.equal(97);
    expect(d.messages).to.have.length(1);
  });
});
