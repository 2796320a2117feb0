import { expect } from 'chai';
import { MeterProvider } from '../src/index.js';

/** A gauge whose callback counts its calls (and resolves after `delayMs` when given). */
function counting(mp: MeterProvider, delayMs?: number): { calls: () => number } {
  let n = 0;
  mp.getMeter('t').createObservableGauge('g').addCallback(async (r) => {
    r.observe(++n);
    if (delayMs !== undefined) await new Promise((res) => setTimeout(res, delayMs));
  });
  return { calls: () => n };
}
const gauge = (mp: MeterProvider): number | undefined => mp.store.read((v) => v.instruments[0]!.exportCells()[0]?.kind === 'gauge' ? (v.instruments[0]!.exportCells()[0] as { value: number }).value : undefined);

describe('MetricStore collection cycles (one observation round per cycle, shared by readers)', () => {
  it('default (0): a round per collection, but concurrent collections join the round in flight', async () => {
    const mp = new MeterProvider();
    const c = counting(mp, 20);
    await Promise.all([mp.store.collect(() => 0), mp.store.collect(() => 0), mp.store.collect(() => 0)]);
    expect(c.calls()).to.equal(1);
    await mp.store.collect(() => 0);
    expect(c.calls()).to.equal(2);
    expect(gauge(mp)).to.equal(2);
  });

  it('collectionCycleMs: collections within the cycle reuse its round (async and sync), a later one starts a new round', async () => {
    const mp = new MeterProvider({ collectionCycleMs: 150 });
    const c = counting(mp);
    await mp.store.collect(() => 0);
    await mp.store.collect(() => 0);
    mp.store.collectSync(() => 0);
    expect(c.calls()).to.equal(1);
    await new Promise((r) => setTimeout(r, 170));
    await mp.store.collect(() => 0);
    expect(c.calls()).to.equal(2);
    expect(gauge(mp)).to.equal(2);
  });

  it('a synchronous collection during an asynchronous round uses that round (its synchronous observations are in)', async () => {
    const mp = new MeterProvider();
    const c = counting(mp, 30);
    const p = mp.store.collect(() => 0);
    expect(mp.store.collectSync((v) => v.instruments[0]!.exportCells().length).result).to.equal(1);
    await p;
    expect(c.calls()).to.equal(1);
  });

  it('a callback that resets on read (as the runtime instrumentation\'s delay histogram): every reader of a cycle sees the same window, the next round covers exactly the time since the last', async () => {
    const mp = new MeterProvider({ collectionCycleMs: 100 });
    let events = 0;
    // Reports the events since its previous call, then resets: a reader-independent window only if rounds are shared.
    mp.getMeter('t').createObservableCounter('events').addCallback((r) => {
      r.observe(events);
      events = 0;
    });
    const read = (): number | undefined => mp.store.read((v) => (v.instruments[0]!.exportCells()[0] as { value: number } | undefined)?.value);
    events = 5;
    await mp.store.collect(() => 0);
    expect(read()).to.equal(5);
    events = 3; // after the round: belongs to the next window
    await mp.store.collect(() => 0);
    mp.store.collectSync(() => 0);
    expect(read(), 'same cycle: same window, nothing lost to the second reader').to.equal(5);
    await new Promise((r) => setTimeout(r, 120));
    await mp.store.collect(() => 0);
    expect(read(), 'next round: the events since the last round').to.equal(3);
  });
});
