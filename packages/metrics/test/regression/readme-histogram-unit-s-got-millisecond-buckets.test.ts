import { expect } from 'chai';
import { DEFAULT_HISTOGRAM_BOUNDARIES, MeterProvider, type HistogramCell } from '../../src/index.js';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const SPEC_DEFAULT = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

// Issue 11: the README's `createHistogram('checkout.duration', { unit: 's' })` got the
// millisecond-scale spec default (0, 5, 10 … 10000): every 20 ms request landed in le="5".
describe('regression: README example histogram with unit s got millisecond buckets', () => {
  it('a histogram in seconds without boundaries of its own gets the semantic conventions\' seconds buckets', () => {
    const mp = new MeterProvider({ exemplarFilter: 'always_off' });
    const h = mp.getMeter('checkout').createHistogram('checkout.duration', { unit: 's' });
    h.record(0.02, { step: 'pay' });
    expect(h.storage.descriptor.boundaries).to.deep.equal(SECONDS);
    const cell = h.storage.cells[0] as HistogramCell;
    // A 20 ms request is in (0.01, 0.025], not in the first bucket.
    expect(cell.counts.findIndex((n) => n > 0)).to.equal(SECONDS.indexOf(0.025));
  });

  it('ms and every other unit keep the SDK spec default', () => {
    const mp = new MeterProvider();
    const m = mp.getMeter('checkout');
    expect(DEFAULT_HISTOGRAM_BOUNDARIES).to.deep.equal(SPEC_DEFAULT);
    ['ms', '', 'By', '{request}', 'min', 'S'].forEach((unit, i) => {
      expect(m.createHistogram(`h${i}`, { unit }).storage.descriptor.boundaries, unit).to.deep.equal(SPEC_DEFAULT);
    });
  });

  it('precedence: an explicit option over advice, advice over the unit default', () => {
    const mp = new MeterProvider({ histogramBoundaries: (name) => (name === 'opt' ? [0.1, 1] : undefined) });
    const m = mp.getMeter('checkout');
    expect(m.createHistogram('opt', { unit: 's', advice: { explicitBucketBoundaries: [2, 4] } }).storage.descriptor.boundaries).to.deep.equal([0.1, 1]);
    expect(m.createHistogram('advised', { unit: 's', advice: { explicitBucketBoundaries: [2, 4] } }).storage.descriptor.boundaries).to.deep.equal([2, 4]);
    expect(m.createHistogram('advised.ms', { unit: 'ms', advice: { explicitBucketBoundaries: [2, 4] } }).storage.descriptor.boundaries).to.deep.equal([2, 4]);
    // Invalid advice falls back to the unit's default.
    expect(m.createHistogram('bad.advice', { unit: 's', advice: { explicitBucketBoundaries: [4, 2] } }).storage.descriptor.boundaries).to.deep.equal(SECONDS);
  });
});
