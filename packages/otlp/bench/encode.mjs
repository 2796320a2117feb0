// Serialization cost of one OTLP export: otelkit's writers vs @opentelemetry/otlp-transformer,
// same ResourceMetrics (from @otelkit/metrics MetricProducer). Not a test; prints medians.
// Usage (after `npx tsc -b packages/otlp`): node packages/otlp/bench/encode.mjs [series=10000]
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import { encodeMetricsJson, encodeMetricsProtobuf } from '../dist/index.js';

const series = Number(process.argv[2] ?? 10_000);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

async function build(exemplars) {
  const mp = new MeterProvider({ exemplarFilter: exemplars ? 'always_on' : 'always_off', cardinalityLimit: series + 10 });
  const meter = mp.getMeter('bench');
  const counter = meter.createCounter('requests');
  const hist = meter.createHistogram('latency', { unit: 's' });
  const ctx = trace.setSpanContext(context.active(), { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', traceFlags: TraceFlags.SAMPLED });
  context.with(ctx, () => {
    for (let i = 0; i < series / 2; i++) {
      const attrs = { route: `/r/${i}`, method: i % 2 ? 'GET' : 'POST' };
      counter.add(i, attrs);
      hist.record((i % 100) / 10, attrs);
    }
  });
  return (await new MetricProducer(mp.store, resourceFromAttributes({ 'service.name': 'bench' })).collect()).resourceMetrics;
}

// CPU time, not wall time: the numbers stay comparable on a machine shared with other work.
function median(fn, runs = 15) {
  fn();
  fn();
  const times = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    bytes = fn().length;
    const d = process.cpuUsage(c0);
    times.push((d.user + d.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(runs / 2)], bytes };
}

const plain = await build(false);
const withEx = await build(true);
const rows = [
  ['otelkit protobuf', () => encodeMetricsProtobuf(plain)],
  ['upstream protobuf', () => ProtobufMetricsSerializer.serializeRequest(plain)],
  ['otelkit protobuf + exemplars', () => encodeMetricsProtobuf(withEx)],
  ['otelkit JSON', () => encodeMetricsJson(plain)],
  ['upstream JSON', () => JsonMetricsSerializer.serializeRequest(plain)],
  ['otelkit JSON + exemplars', () => encodeMetricsJson(withEx)],
];
console.log(`node ${process.version}, ${series} series (half counters, half histograms with 16 buckets); median CPU ms per export body`);
for (const [name, fn] of rows) {
  const { ms, bytes } = median(fn);
  console.log(`${name.padEnd(30)} ${ms.toFixed(2).padStart(8)} ms CPU ${(bytes / 1024).toFixed(0).padStart(7)} KiB`);
}
