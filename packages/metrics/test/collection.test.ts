import { expect } from 'chai';
import { MeterProvider, type AnyCell, type MetricsView } from '../src/index.js';

/** Every series value of a view, as `name{attrs}=value` strings (narrowing on `kind`, no casts). */
function values(view: MetricsView): string[] {
  const out: string[] = [];
  for (const s of view.instruments) {
    for (const c of s.exportCells()) {
      const v = c.kind === 'histogram' ? c.count : c.value;
      out.push(`${s.descriptor.name}${JSON.stringify(c.attributes)}=${v}`);
    }
  }
  return out;
}

describe('MetricStore collection', () => {
  it('collect() runs the callbacks, hands the visitor the observed state and returns its result with the errors', async () => {
    const mp = new MeterProvider();
    const m = mp.getMeter('t');
    let n = 0;
    m.createObservableGauge('g').addCallback((r) => r.observe(++n, { k: 'a' }));
    m.createObservableCounter('bad').addCallback(() => {
      throw new Error('boom');
    });
    m.createCounter('c').add(2);
    const { result, errors } = await mp.store.collect(values);
    expect(result).to.deep.equal(['g{"k":"a"}=1', 'c{}=2']);
    expect(errors.map((e) => (e as Error).message)).to.deep.equal(['boom']);
    expect(mp.store.collectSync(values).result).to.deep.equal(['g{"k":"a"}=2', 'c{}=2']);
  });

  it('read() runs no callback: it shows what the last collection observed', async () => {
    const mp = new MeterProvider();
    let calls = 0;
    mp.getMeter('t')
      .createObservableGauge('g')
      .addCallback((r) => r.observe(++calls));
    expect(mp.store.read(values)).to.deep.equal([]);
    await mp.store.collect(() => undefined);
    expect(mp.store.read(values)).to.deep.equal(['g{}=1']);
    expect(mp.store.read(values)).to.deep.equal(['g{}=1']);
    expect(calls).to.equal(1);
  });

  it('an observable series not observed in the last round is not part of the collection', async () => {
    const mp = new MeterProvider();
    let round = 0;
    const g = mp.getMeter('t').createObservableGauge('g');
    g.addCallback((r) => {
      round++;
      r.observe(round, { k: 'always' });
      if (round === 1) r.observe(9, { k: 'once' });
    });
    expect((await mp.store.collect(values)).result).to.deep.equal(['g{"k":"always"}=1', 'g{"k":"once"}=9']);
    const second = await mp.store.collect((view) => view.instruments[0]!.cells.map((c) => view.instruments[0]!.collected(c as never)));
    expect(second.result).to.deep.equal([true, false]);
  });

  it('a series keeps its index in `cells` for the life of the store (exporters key per-series caches by it)', () => {
    const mp = new MeterProvider({ cardinalityLimit: 5 });
    const c = mp.getMeter('t').createCounter('c');
    const seen: AnyCell[] = [];
    for (let i = 0; i < 20; i++) {
      c.add(1, { i: i % 8 });
      for (let j = 0; j < seen.length; j++) expect(c.storage.cells[j]).to.equal(seen[j]);
      for (let j = seen.length; j < c.storage.cells.length; j++) seen.push(c.storage.cells[j]!);
    }
    expect(c.storage.cells).to.have.length(5);
  });

  it('storage and cells say their kind', () => {
    const m = new MeterProvider().getMeter('t');
    expect([m.createCounter('a'), m.createUpDownCounter('b'), m.createHistogram('h'), m.createGauge('g')].map((i) => [i.storage.kind, i.storage.cell({}).kind])).to.deep.equal([
      ['sum', 'sum'],
      ['sum', 'sum'],
      ['histogram', 'histogram'],
      ['gauge', 'gauge'],
    ]);
  });
});
