/**
 * Estimates the `q`-quantile (0 < q <= 1) of an explicit-bucket histogram the way PromQL's
 * `histogram_quantile` does: find the bucket holding rank `q * count`, then interpolate linearly
 * inside it, assuming its observations are spread evenly. Two differences, both using the min/max
 * the cell keeps: the +Inf bucket ends at the observed max (PromQL answers the last finite bound),
 * and the result is clamped to [min, max], so a sparse bucket cannot yield a value never observed
 * beyond the extremes. The first bucket starts at 0 (histograms only accept values >= 0).
 * Returns null for an empty histogram.
 *
 * `counts` are per bucket (not cumulative), one more than `boundaries` (the last is +Inf).
 */
export function bucketQuantile(q: number, boundaries: readonly number[], counts: readonly number[], min: number, max: number): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    if (below + c >= rank) {
      const lower = i === 0 ? 0 : boundaries[i - 1]!;
      const upper = i < boundaries.length ? boundaries[i]! : max;
      const v = lower + (upper - lower) * ((rank - below) / c);
      return v < min ? min : v > max ? max : v;
    }
    below += c;
  }
  return max;
}
