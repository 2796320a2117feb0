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

async function measure(layout) {
  const kit = otelkit();
  populateMeter(kit.meter, SERIES, layout);
  const fams = families(SERIES, layout);
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
for (const layout of ['counters', 'histograms', 'mixed']) results.push(await measure(layout));
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results, null, 2));
} else {
  console.log(`node ${process.version}; series layout of bench/lib/series.mjs (labels {route, status}, histograms with 11 boundaries, no exemplars)`);
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
