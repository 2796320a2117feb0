// Run by regression/label-cache-ropes.test.ts in a fresh process (node --allow-natives-syntax):
// one first scrape of many series, as bench/heap/child.mjs does; prints how many of the cached
// label lists are still ropes.
import { MeterProvider } from '@otelkit/metrics';
import { labelCacheOf } from '../../src/label-cache.js';
import { serializeOpenMetrics, serializeText } from '../../src/index.js';

const [kind, format, seriesArg] = process.argv.slice(2);
const series = Number(seriesArg);
// V8's own check (String::IsFlat: a sequential string, or a rope already flattened in place).
// Node 22's V8 (12.4) has no %StringIsFlat: say so, and the test reports itself pending there.
let isFlat: (s: string) => boolean;
try {
  isFlat = new Function('s', 'return %StringIsFlat(s)') as (s: string) => boolean;
} catch {
  console.log(JSON.stringify({ unsupported: `V8 ${process.versions.v8} has no %StringIsFlat` }));
  process.exit(0);
}

const mp = new MeterProvider({ cardinalityLimit: series + 1 });
const meter = mp.getMeter('m');
const counter = meter.createCounter('requests');
const histogram = meter.createHistogram('latency');
for (let i = 0; i < series; i++) {
  const attrs = { route: `/api/v1/resource/${i}`, status: i % 3 === 0 ? 'error' : 'ok' };
  if (kind === 'counter') counter.add(1, attrs);
  else histogram.record(0.25, attrs);
}
const serialize = format === 'openmetrics' ? serializeOpenMetrics : serializeText;
const { result: body } = await mp.store.collect((view) => serialize(view));
const labels = labelCacheOf(mp.store.instruments[kind === 'counter' ? 0 : 1]!).labels;
const ropes = labels.filter((l) => typeof l === 'string' && !isFlat(l)).length;
console.log(JSON.stringify({ labelled: labels.length, ropes, last: body.includes(`route="/api/v1/resource/${series - 1}"`) }));
