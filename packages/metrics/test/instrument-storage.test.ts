import { expect } from 'chai';
import { MeterProvider, type SumCell } from '../src/index.js';

describe('InstrumentStorage lookup', () => {
  const counter = () => new MeterProvider({ exemplarFilter: 'always_off', cardinalityLimit: 50 }).getMeter('t').createCounter('c');

  it('one series whatever the key order, through the trie and the canonical path', () => {
    const c = counter();
    c.add(1, { a: 'x', b: 'y' });
    c.add(1, { b: 'y', a: 'x' });
    c.add(1, { a: 'x', b: 'y', u: undefined });
    c.add(1, { b: 'y', a: 'x' });
    expect(c.storage.size).to.equal(1);
    expect((c.storage.cells[0] as SumCell).value).to.equal(4);
  });

  it('keeps 1 and "1" and true apart', () => {
    const c = counter();
    c.add(1, { v: 1 });
    c.add(1, { v: '1' });
    c.add(1, { v: true });
    c.add(1, { v: 1 });
    expect((c.storage.cells as SumCell[]).map((x) => [x.attributes.v, x.value])).to.deep.equal([
      [1, 2],
      ['1', 1],
      [true, 1],
    ]);
  });

  it('array values (new array each call) land in one series', () => {
    const c = counter();
    for (let i = 0; i < 10; i++) c.add(1, { tags: ['a', 'b'] });
    expect(c.storage.size).to.equal(1);
    expect((c.storage.cells[0] as SumCell).value).to.equal(10);
  });

  it('an empty attribute set and no attributes are the same series', () => {
    const c = counter();
    c.add(1);
    c.add(1, {});
    expect(c.storage.size).to.equal(1);
  });

  it('invalid attribute values are dropped from the series, never a second copy of it', () => {
    const c = counter();
    // (A nested map was the invalid value here before AnyValue attributes; a Date is not an AnyValue.)
    c.add(1, { a: 'x', bad: new Date(0) as never });
    c.add(1, { a: 'x', bad: (() => 1) as never });
    c.add(1, { a: 'x' });
    expect(c.storage.size).to.equal(1);
    expect(c.storage.cells[0]!.attributes).to.deep.equal({ a: 'x' });
    expect((c.storage.cells[0] as SumCell).value).to.equal(3);
  });

  it('a flood of distinct attribute sets stays bounded (overflow series, bounded lookup structures)', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'mocha runs this package with --expose-gc').to.be.a('function');
    const c = counter();
    gc!();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100_000; i++) c.add(1, { id: `user-${i}` });
    gc!();
    expect(c.storage.size).to.equal(50);
    const total = (c.storage.cells as SumCell[]).reduce((a, x) => a + x.value, 0);
    expect(total).to.equal(100_000);
    // 100k distinct sets kept in lookup structures would cost well over 10 MB; bounded ones stay small.
    expect(process.memoryUsage().heapUsed - before).to.be.lessThan(10 * 1024 * 1024);
  });

  it('finds every series again after the children of a node grow from an array into a Map', () => {
    const c = counter();
    for (let round = 0; round < 3; round++) for (let i = 0; i < 20; i++) c.add(1, { route: `r${i}`, status: i % 2 ? 'ok' : 'err' });
    expect(c.storage.size).to.equal(20);
    for (const cell of c.storage.cells as SumCell[]) expect(cell.value).to.equal(3);
  });

  it('NaN and -0 attribute values find their series like Map keys do (SameValueZero)', () => {
    const c = counter();
    for (let i = 0; i < 5; i++) c.add(1, { v: NaN });
    c.add(1, { v: 0 });
    c.add(1, { v: -0 });
    expect(c.storage.size).to.equal(2);
    expect((c.storage.cells as SumCell[]).map((x) => x.value)).to.deep.equal([5, 2]);
  });
});
