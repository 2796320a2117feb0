import { BUCKETS, VALUES, promClient } from './setup.mjs';

/*
 * The series every scrape, heap and export scenario builds, identically for each library:
 * families of 100 series with labels {route, status}; every 10th family is a histogram (prom-client
 * default buckets, 14 exposition lines per series), the others counters. So 10k series are 90
 * counter families (9000 series) and 10 histogram families (1000 series, 14 000 lines).
 */
export const SERIES_PER_FAMILY = 100;

/**
 * Family layout for `total` series: `mixed` (every 10th family a histogram), or only `counters` /
 * only `histograms`.
 */
export function families(total, layout = 'mixed') {
  const out = [];
  for (let f = 0, left = total; left > 0; f++, left -= SERIES_PER_FAMILY) {
    const histogram = layout === 'histograms' || (layout === 'mixed' && f % 10 === 9);
    out.push({ index: f, histogram, size: Math.min(SERIES_PER_FAMILY, left) });
  }
  return out;
}

/** The attribute set of series `j` of a family (the same object shape for every library). */
export function labels(j) {
  return { route: `/api/v1/resource/${j >> 1}`, status: j & 1 ? 'ok' : 'error' };
}

/** Fills a prom-client registry with `total` series. */
export function populateProm(registry, total, layout) {
  for (const fam of families(total, layout)) {
    if (fam.histogram) {
      const h = new promClient.Histogram({
        name: `latency_${fam.index}_seconds`,
        help: `Latency of operation ${fam.index}.`,
        labelNames: ['route', 'status'],
        buckets: [...BUCKETS],
        registers: [registry],
      });
      for (let j = 0; j < fam.size; j++) {
        const l = labels(j);
        for (let k = 0; k < 3; k++) h.observe(l, VALUES[(j * 3 + k) & 1023]);
      }
    } else {
      const c = new promClient.Counter({ name: `requests_${fam.index}_total`, help: `Requests of kind ${fam.index}.`, labelNames: ['route', 'status'], registers: [registry] });
      for (let j = 0; j < fam.size; j++) c.inc(labels(j), j + 1);
    }
  }
}

/**
 * Fills an `@opentelemetry/api` Meter (sdk-metrics or otelkit) with `total` series: counter
 * `requests_<i>` (→ `requests_<i>_total`), histogram `latency_<i>` in seconds (→ `latency_<i>_seconds`).
 */
export function populateMeter(meter, total, layout) {
  for (const fam of families(total, layout)) {
    if (fam.histogram) {
      const h = meter.createHistogram(`latency_${fam.index}`, {
        description: `Latency of operation ${fam.index}.`,
        unit: 's',
        advice: { explicitBucketBoundaries: [...BUCKETS] },
      });
      for (let j = 0; j < fam.size; j++) {
        const l = labels(j);
        for (let k = 0; k < 3; k++) h.record(VALUES[(j * 3 + k) & 1023], l);
      }
    } else {
      const c = meter.createCounter(`requests_${fam.index}`, { description: `Requests of kind ${fam.index}.` });
      for (let j = 0; j < fam.size; j++) c.add(j + 1, labels(j));
    }
  }
}
