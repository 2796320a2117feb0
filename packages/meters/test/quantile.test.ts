import { expect } from 'chai';
import { bucketQuantile } from '../src/index.js';

describe('bucketQuantile', () => {
  // boundaries 0.25 | 0.5 | 1 | 2 | +Inf; observations 0.125, 0.375 ×2, 0.75, 1.5, 3
  const b = [0.25, 0.5, 1, 2];
  const counts = [1, 2, 1, 1, 1];

  it('interpolates linearly inside the bucket holding the rank, as histogram_quantile does', () => {
    // rank 3 → bucket (0.25, 0.5] holds ranks 2..3: 0.25 + 0.25 × (3-1)/2
    expect(bucketQuantile(0.5, b, counts, 0.125, 3)).to.equal(0.5);
    // rank 2 → 0.25 + 0.25 × 1/2
    expect(bucketQuantile(2 / 6, b, counts, 0.125, 3)).to.be.closeTo(0.375, 1e-12);
  });

  it('the +Inf bucket ends at the observed max', () => {
    // rank 5.7 → +Inf bucket: 2 + (3 - 2) × 0.7
    expect(bucketQuantile(0.95, b, counts, 0.125, 3)).to.be.closeTo(2.7, 1e-12);
  });

  it('clamps to [min, max]', () => {
    // rank 0.6 → first bucket: 0 + 0.25 × 0.6 = 0.15 ≥ min 0.125, kept
    expect(bucketQuantile(0.1, b, counts, 0.125, 3)).to.be.closeTo(0.15, 1e-12);
    // rank 0.3 → 0.075 < min 0.125 → min
    expect(bucketQuantile(0.05, b, counts, 0.125, 3)).to.equal(0.125);
    // ten observations of 0.3 in (0.25, 0.5]: interpolation says 0.4875 for p95, but none is above 0.3
    expect(bucketQuantile(0.95, b, [0, 10, 0, 0, 0], 0.3, 0.3)).to.equal(0.3);
  });

  it('null for an empty histogram; no boundaries means one bucket from 0 to max', () => {
    expect(bucketQuantile(0.5, b, [0, 0, 0, 0, 0], Infinity, -Infinity)).to.equal(null);
    expect(bucketQuantile(0.5, [], [4], 1, 8)).to.equal(4);
  });
});
