#!/usr/bin/env node
/*
 * Bytes per data point on each encoding otelkit writes, for docs/SCALING.md: OTLP protobuf and
 * OTLP JSON (what a service pushes to an agent, @otelkit/otlp), Prometheus text 0.0.4 and
 * OpenMetrics (what a scrape of /metrics reads, @otelkit/prometheus), each raw and gzipped (level 6,
 * what HTTP compression uses). Deterministic: sizes, not timings, so the machine's load does not
 * matter.
 *
 * Units: an OTLP "data point" is one series' point (a histogram point is ONE point however many
 * buckets it has); a Prometheus "sample" is one line of the exposition (a histogram series with 11
 * boundaries is 12 `_bucket` + `_sum` + `_count` = 14 samples). Remote write carries samples.
 *
 *   node bench/scaling/encodings.mjs            # 10k series per layout
 *   node bench/scaling/encodings.mjs --json     # machine-readable
 */
import { gzipSync } from 'node:zlib';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MetricProducer } from '@otelkit/metrics';
import { encodeMetricsJson, encodeMetricsProtobuf } from '@otelkit/otlp';
import { serializeOpenMetricsBuffer, serializeTextBuffer } from '@otelkit/prometheus';
import { otelkit } from '../lib/setup.mjs';
import { families, populateMeter } from '../lib/series.mjs';

const SERIES = 10_000;
/** A resource like a real service's: what every OTLP request repeats once and target_info carries. */
const RESOURCE = resourceFromAttributes({
  'service.name': 'checkout',
  'service.version': '4.12.0',
  'service.instance.id': '7d1f6a52-3c4e-4b0a-9f5e-2a8c1d9e0b37',
  'host.name': 'ip-10-0-12-34.eu-west-1.compute.internal',
  'deployment.environment.name': 'production',
  'telemetry.sdk.name': 'otelkit',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.version': '0.1.0',
});

/** A seeded PRNG (mulberry32): the same "realistic" values on every run. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The same 90/10 counter/histogram mix with label values and numbers like a real service's: HTTP
 * routes with ids, methods, status codes, peers, tenants; counter values spread over 1..10^6;
 * histogram observations log-spread. The synthetic layout's `/api/v1/resource/<n>` and `j + 1`
 * compress far better than real data does; this one shows by how much.
 */
function populateRealistic(meter, total) {
  const r = rng(42);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const routes = ['/api/orders/{id}', '/api/orders', '/api/cart/{cartId}/items', '/api/users/{id}/profile', '/healthz', '/api/search', '/api/payments/{id}/capture', '/api/inventory/{sku}', '/graphql', '/api/sessions'];
  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
  const statuses = [200, 201, 204, 301, 400, 401, 403, 404, 409, 429, 500, 502, 503];
  const peers = Array.from({ length: 40 }, () => `10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`);
  const tenants = Array.from({ length: 60 }, () => Math.floor(r() * 2 ** 32).toString(36));
  let made = 0;
  for (let f = 0; made < total; f++) {
    const histogram = f % 10 === 9;
    const name = `${pick(['http.server', 'http.client', 'db.client', 'messaging.process', 'rpc.server', 'cache'])}.${histogram ? 'duration' : pick(['requests', 'errors', 'retries', 'bytes', 'hits', 'evictions'])}.${f}`;
    const inst = histogram ? meter.createHistogram(name, { unit: 's', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] } }) : meter.createCounter(name);
    for (let j = 0; j < 100 && made < total; j++, made++) {
      const attrs = { 'http.route': pick(routes), 'http.request.method': pick(methods), 'http.response.status_code': pick(statuses), 'server.address': pick(peers), 'tenant.id': pick(tenants), series: j };
      if (histogram) for (let k = 0; k < 20; k++) inst.record(Math.exp(r() * 9 - 6), attrs);
      else inst.add(Math.floor(r() ** 3 * 1e6) + 1, attrs);
    }
  }
}

async function measure(layout) {
  const kit = otelkit();
  // The realistic layout has the same shape as `mixed` (90 counter / 10 histogram families of 100).
  const shape = layout === 'realistic' ? 'mixed' : layout;
  if (layout === 'realistic') populateRealistic(kit.meter, SERIES);
  else populateMeter(kit.meter, SERIES, layout);
  const fams = families(SERIES, shape);
  const points = fams.reduce((n, f) => n + f.size, 0);
  // 11 boundaries: 12 buckets (+Inf included), _sum, _count.
  const samples = fams.reduce((n, f) => n + f.size * (f.histogram ? 14 : 1), 0);
  const producer = new MetricProducer(kit.store, RESOURCE);
  const { resourceMetrics } = await producer.collect();
  const text = (await kit.store.collect((view) => serializeTextBuffer(view, RESOURCE))).result;
  const om = (await kit.store.collect((view) => serializeOpenMetricsBuffer(view, RESOURCE))).result;
  const encodings = {
    'OTLP protobuf': encodeMetricsProtobuf(resourceMetrics),
    'OTLP JSON': encodeMetricsJson(resourceMetrics),
    'Prometheus text 0.0.4': text,
    OpenMetrics: om,
  };
  const rows = Object.entries(encodings).map(([name, bytes]) => {
    const gz = gzipSync(bytes).length;
    return { encoding: name, bytes: bytes.length, gzipBytes: gz, perPoint: bytes.length / points, perPointGzip: gz / points, perSample: bytes.length / samples, perSampleGzip: gz / samples };
  });
  return { layout, series: SERIES, points, samples, rows };
}

const results = [];
for (const layout of ['counters', 'histograms', 'mixed', 'realistic']) results.push(await measure(layout));
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results, null, 2));
} else {
  console.log(`node ${process.version}; counters/histograms/mixed: series layout of bench/lib/series.mjs (labels {route, status}, histograms with 11 boundaries, no exemplars); realistic: the mixed shape with 6 varied labels and spread values`);
  for (const r of results) {
    console.log(`\n${r.layout}: ${r.series} series = ${r.points} OTLP data points = ${r.samples} Prometheus samples`);
    console.log('encoding               |    bytes | gzip bytes | B/point | gz B/point | B/sample | gz B/sample');
    for (const x of r.rows) {
      console.log(
        `${x.encoding.padEnd(22)} | ${String(x.bytes).padStart(8)} | ${String(x.gzipBytes).padStart(10)} | ${x.perPoint.toFixed(1).padStart(7)} | ${x.perPointGzip.toFixed(1).padStart(10)} | ${x.perSample.toFixed(1).padStart(8)} | ${x.perSampleGzip.toFixed(2).padStart(11)}`,
      );
    }
  }
}
