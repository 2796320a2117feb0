import { expect } from 'chai';
import { type Attributes } from '@opentelemetry/api';
import { ANY_VALUE_MAX_DEPTH, ANY_VALUE_MAX_NODES, anyValueKey, isAnyValue, MeterProvider, type GaugeCell, type HistogramCell, type SumCell } from '../src/index.js';
import { captureDiag } from './support/capture-diag.js';


/** AnyValue attributes as @opentelemetry/api 1.10 types them (`unknown`), on either API version. */
const A = (a: Record<string, unknown>): Attributes => a as Attributes;

function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { x: v };
  return v;
}

describe('AnyValue attribute values (API 1.10, OTEP 4485)', () => {
  const counter = (limit = 50) => new MeterProvider({ exemplarFilter: 'always_off', cardinalityLimit: limit }).getMeter('t').createCounter('c');
  const values = (c: { storage: { cells: unknown[] } }) => (c.storage.cells as SumCell[]).map((x) => [x.attributes, x.value]);

  it('two distinct but equal maps are one series, whatever the key order at any level', () => {
    const c = counter();
    c.add(1, A({ route: '/a', ctx: { user: { id: 7, tier: 'gold' }, region: 'eu' } }));
    c.add(1, A({ ctx: { region: 'eu', user: { tier: 'gold', id: 7 } }, route: '/a' }));
    for (let i = 0; i < 5; i++) c.add(1, A({ route: '/a', ctx: { user: { tier: 'gold', id: 7 }, region: 'eu' } }));
    expect(c.storage.size).to.equal(1);
    expect((c.storage.cells[0] as SumCell).value).to.equal(7);
    // Kept with sorted keys: equal content is stored alike.
    expect(Object.keys(c.storage.cells[0]!.attributes.ctx as object)).to.deep.equal(['region', 'user']);
  });

  it('equal byte arrays (Uint8Array, Buffer, a view into a larger buffer) are one series; other bytes another', () => {
    const c = counter();
    c.add(1, A({ b: new Uint8Array([1, 2, 3]) }));
    c.add(1, A({ b: Buffer.from([1, 2, 3]) }));
    c.add(1, A({ b: new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4) }));
    c.add(1, A({ b: new Uint8Array([1, 2, 4]) }));
    expect(c.storage.size).to.equal(2);
    expect((c.storage.cells as SumCell[]).map((x) => x.value)).to.deep.equal([3, 1]);
    const kept = c.storage.cells[0]!.attributes.b as Uint8Array;
    expect(kept).to.be.instanceOf(Uint8Array);
    expect(Buffer.isBuffer(kept), 'a plain Uint8Array copy').to.equal(false);
    expect([...kept]).to.deep.equal([1, 2, 3]);
  });

  it('nested and mixed arrays are one series per content; order inside an array matters', () => {
    const c = counter();
    c.add(1, A({ v: [1, 'a', true, null, [2, { k: 'x' }]] }));
    c.add(1, A({ v: [1, 'a', true, null, [2, { k: 'x' }]] }));
    c.add(1, A({ v: ['a', 1, true, null, [2, { k: 'x' }]] }));
    expect(values(c).map(([, n]) => n)).to.deep.equal([2, 1]);
  });

  it('keeps apart values that print alike: 1/"1", [NaN]/[null], [null]/[], a string spelling a map, {a: null}/{}', () => {
    const c = counter();
    const distinct: unknown[] = [[1], ['1'], [NaN], [null], [], '{"a":1}', { a: 1 }, { a: '1' }, { a: null }, {}, [[]], [{}], new Uint8Array(0), 'z', 'b'];
    for (let round = 0; round < 2; round++) for (const v of distinct) c.add(1, A({ v }));
    expect(c.storage.size).to.equal(distinct.length);
    for (const cell of c.storage.cells as SumCell[]) expect(cell.value).to.equal(2);
  });

  it('null is the empty value: kept, a series of its own; undefined is no attribute (at the top and in maps)', () => {
    const c = counter();
    c.add(1, A({ a: 'x', s: null }));
    c.add(1, A({ a: 'x', s: null }));
    c.add(1, A({ a: 'x', s: undefined }));
    c.add(1, A({ a: 'x' }));
    c.add(1, A({ m: { k: undefined, j: 1 } }));
    c.add(1, A({ m: { j: 1 } }));
    c.add(1, A({ l: [undefined] }));
    c.add(1, A({ l: [null] }));
    expect(values(c)).to.deep.equal([
      [{ a: 'x', s: null }, 2],
      [{ a: 'x' }, 2],
      [{ m: { j: 1 } }, 2],
      [{ l: [null] }, 2],
    ]);
  });

  it('keeps a deep copy: changing the caller\'s object afterwards changes neither the series nor its lookup', () => {
    const c = counter();
    const ctx = { tags: ['a'], user: { id: 1 } };
    c.add(1, A({ ctx }));
    ctx.tags.push('b');
    ctx.user.id = 2;
    c.add(1, A({ ctx }));
    c.add(1, A({ ctx: { tags: ['a'], user: { id: 1 } } }));
    expect(values(c)).to.deep.equal([
      [{ ctx: { tags: ['a'], user: { id: 1 } } }, 2],
      [{ ctx: { tags: ['a', 'b'], user: { id: 2 } } }, 1],
    ]);
    const kept = c.storage.cells[0]!.attributes.ctx as { tags: string[] };
    expect(Object.isFrozen(kept) && Object.isFrozen(kept.tags)).to.equal(true);
  });

  it('every instrument kind takes AnyValue attributes, bound handles and observables included', async () => {
    const mp = new MeterProvider({ exemplarFilter: 'always_off' });
    const m = mp.getMeter('t');
    const attrs = () => A({ req: { method: 'GET', tags: ['x', 1] }, body: new Uint8Array([104, 105]) });
    const c = m.createCounter('c');
    const u = m.createUpDownCounter('u');
    const h = m.createHistogram('h');
    const g = m.createGauge('g');
    c.add(1, attrs());
    c.bind(attrs()).add(1);
    u.add(-2, attrs());
    h.record(3, attrs());
    h.bind(attrs()).record(4);
    g.record(5, attrs());
    const oc = m.createObservableCounter('oc');
    oc.addCallback((r) => r.observe(6, attrs()));
    const og = m.createObservableGauge('og');
    m.addBatchObservableCallback((r) => r.observe(og, 7, attrs()), [og]);
    await mp.store.observe();
    for (const inst of [c, u, h, g, oc, og]) {
      expect(inst.storage.size, inst.storage.descriptor.name).to.equal(1);
      expect(inst.storage.cells[0]!.attributes).to.deep.equal({ body: new Uint8Array([104, 105]), req: { method: 'GET', tags: ['x', 1] } });
    }
    expect((c.storage.cells[0] as SumCell).value).to.equal(2);
    expect((u.storage.cells[0] as SumCell).value).to.equal(-2);
    expect((h.storage.cells[0] as HistogramCell).count).to.equal(2);
    expect((g.storage.cells[0] as GaugeCell).value).to.equal(5);
    expect((oc.storage.cells[0] as SumCell).value).to.equal(6);
    expect((og.storage.cells[0] as GaugeCell).value).to.equal(7);
  });

  it(`drops a cyclic value, one nested deeper than ${ANY_VALUE_MAX_DEPTH} levels or one over ${ANY_VALUE_MAX_NODES} elements: one warning, no exception, the rest recorded`, () => {
    const d = captureDiag();
    try {
      const c = counter();
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      const cyclicArray: unknown[] = [1];
      cyclicArray.push([cyclicArray]);
      const throwing = { get boom(): unknown { throw new Error('getter'); } };
      const bad = [cyclic, cyclicArray, nested(ANY_VALUE_MAX_DEPTH + 1), new Array(ANY_VALUE_MAX_NODES + 1).fill(0), throwing, new Date(0), new Map(), 10n, new Float64Array(2)];
      for (let i = 0; i < 50; i++) for (const v of bad) expect(() => c.add(1, A({ route: '/a', v }))).not.to.throw();
      expect(values(c)).to.deep.equal([[{ route: '/a' }, 50 * bad.length]]);
      expect(d.messages).to.have.length(1);
      expect(d.messages[0]).to.include('"v" (cyclic)');
      // The limits are inclusive: exactly at them is kept.
      c.add(1, A({ v: nested(ANY_VALUE_MAX_DEPTH) }));
      c.add(1, A({ v: new Array(ANY_VALUE_MAX_NODES).fill(0) }));
      expect(c.storage.size).to.equal(3);
    } finally {
      d.restore();
    }
  });

  it('the reasons are told apart', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(anyValueKey(cyclic)).to.deep.equal({ fault: 'cyclic' });
    expect(anyValueKey(nested(ANY_VALUE_MAX_DEPTH + 1))).to.deep.equal({ fault: 'nested too deep' });
    expect(anyValueKey(new Array(ANY_VALUE_MAX_NODES + 1).fill(0))).to.deep.equal({ fault: 'too large' });
    expect(anyValueKey(new Date(0))).to.deep.equal({ fault: 'not an AnyValue' });
    // A value shared twice is not a cycle.
    const shared = { k: 1 };
    expect(isAnyValue([shared, shared, { a: shared }])).to.equal(true);
    expect(isAnyValue(null)).to.equal(true);
    expect(isAnyValue(undefined)).to.equal(false);
  });

  it('a flood of distinct map values stays bounded (overflow series, no lookup token per unknown value)', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'mocha runs this package with --expose-gc').to.be.a('function');
    const c = counter();
    gc!();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 50_000; i++) c.add(1, A({ user: { id: `user-${i}`, tags: ['a', i] } }));
    gc!();
    expect(c.storage.size).to.equal(50);
    expect((c.storage.cells as SumCell[]).reduce((a, x) => a + x.value, 0)).to.equal(50_000);
    expect(process.memoryUsage().heapUsed - before).to.be.lessThan(10 * 1024 * 1024);
  });
});
