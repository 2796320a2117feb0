import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { MetricProducer } from '@otelkit/metrics';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { otelkit, otelSdk, promClient, promRegistry } from '../lib/setup.mjs';
import { checkTotals, INSTRUMENTS, RECORDS_PER_REQUEST, request, totalsFromResourceMetrics } from '../lib/workload.mjs';

/*
 * Recording as a service does it (bench/lib/workload.mjs): 8 instruments through 2 shared call
 * sites, attribute values drawn per call, a new span per request of 10 records, every total read
 * back and checked at the end. One operation = one request = 10 records (+ 1 span where traced).
 * The best-case rows of counter-add / histogram-record / histogram-exemplars (one series, one
 * literal attribute set, one call site, one long-lived span) are kept, labelled as such.
 */
let contextReady = false;
function ensureContext() {
  if (!contextReady) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextReady = true;
  }
}

/** otelkit's TracerProvider as initTelemetry() builds it (lean tracer, pooled ids), from @otelkit/telemetry's build. */
async function otelkitTracer() {
  const dist = join(dirname(createRequire(import.meta.url).resolve('@otelkit/telemetry/package.json')), 'dist');
  const { LeanTracerProvider } = await import(join(dist, 'lean-tracer.js'));
  const { FastIdGenerator } = await import(join(dist, 'fast-id-generator.js'));
  return new LeanTracerProvider({ idGenerator: new FastIdGenerator() }).getTracer('bench');
}

const promName = (n) => n.replaceAll('.', '_');

function traced(tracer, run) {
  return (i) => {
    const span = tracer.startSpan('request');
    context.with(trace.setSpan(ROOT_CONTEXT, span), run, undefined, i);
    span.end();
  };
}

function otelkitContestant({ exemplarFilter, span }) {
  return async () => {
    ensureContext();
    const kit = otelkit({ exemplarFilter });
    const insts = INSTRUMENTS.map((d) => (d.kind === 'counter' ? kit.meter.createCounter(d.name) : kit.meter.createHistogram(d.name, { unit: 's' })));
    const expected = new Float64Array(16);
    const count = (c, v, a) => c.add(v, a);
    const observe = (h, v, a) => h.record(v, a);
    const run = (i) => request(i, insts, count, observe, expected);
    return {
      fn: span ? traced(await otelkitTracer(), run) : run,
      teardown: async () => checkTotals('otelkit', totalsFromResourceMetrics((await new MetricProducer(kit.store).collect()).resourceMetrics), expected),
    };
  };
}

export default {
  name: 'record-realistic',
  title: 'Recording per request: 8 instruments, shared call sites, attributes per call, a span per request',
  per: 'request (10 records)',
  notes:
    'One operation is one request of a service: 10 records into 8 instruments (4 counters, 4 histograms with the default buckets) through two shared call sites, attribute values drawn per call (~1000 series), a new attributes object each time; traced rows start a new span per request and record inside it (sdk-trace / otelkit tracer, no span processor), so exemplars come from a fresh span every 10 records. ' +
    'Every contestant also adds each value to a plain total; at the end its own totals are read back (prom-client `getMetricsAsJSON()`, sdk-metrics reader `collect()`, otelkit `MetricProducer.collect()`) and must match, or the run fails. ' +
    '*span only* is the tracer cost alone (no records), to subtract.',
  contestants: {
    'prom-client (no tracing)': () => {
      const registry = promRegistry();
      const insts = INSTRUMENTS.map((d) =>
        d.kind === 'counter'
          ? new promClient.Counter({ name: promName(d.name), help: 'h', labelNames: d.labels, registers: [registry] })
          : new promClient.Histogram({ name: promName(d.name), help: 'h', labelNames: d.labels, buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10], registers: [registry] }),
      );
      const expected = new Float64Array(16);
      const count = (c, v, a) => c.inc(a, v);
      const observe = (h, v, a) => h.observe(a, v);
      return {
        fn: (i) => request(i, insts, count, observe, expected),
        teardown: async () => {
          const t = new Float64Array(16);
          for (const m of await registry.getMetricsAsJSON()) {
            const k = INSTRUMENTS.findIndex((x) => promName(x.name) === m.name);
            for (const v of m.values) {
              if (k < 4) t[k] += v.value;
              else if (v.metricName === `${m.name}_count`) t[k] += v.value;
              else if (v.metricName === `${m.name}_sum`) t[k + 8] += v.value;
            }
          }
          checkTotals('prom-client', t, expected);
        },
      };
    },
    'otel-sdk, span per request': () => {
      ensureContext();
      const sdk = otelSdk();
      const tracer = new TracerProvider().getTracer('bench');
      const insts = INSTRUMENTS.map((d) => (d.kind === 'counter' ? sdk.meter.createCounter(d.name) : sdk.meter.createHistogram(d.name, { unit: 's' })));
      const expected = new Float64Array(16);
      const count = (c, v, a) => c.add(v, a);
      const observe = (h, v, a) => h.record(v, a);
      return {
        fn: traced(tracer, (i) => request(i, insts, count, observe, expected)),
        teardown: async () => {
          checkTotals('otel-sdk', totalsFromResourceMetrics((await sdk.exporter.collect()).resourceMetrics), expected);
          await sdk.shutdown();
        },
      };
    },
    'otelkit, span per request': otelkitContestant({ exemplarFilter: 'trace_based', span: true }),
    'otelkit, span per request, exemplars off': otelkitContestant({ exemplarFilter: 'always_off', span: true }),
    'otelkit, no span': otelkitContestant({ exemplarFilter: 'trace_based', span: false }),
    'span only, sdk-trace tracer': () => {
      ensureContext();
      return { fn: traced(new TracerProvider().getTracer('bench'), () => undefined) };
    },
    'span only, otelkit tracer': async () => {
      ensureContext();
      return { fn: traced(await otelkitTracer(), () => undefined) };
    },
  },
  targets: [
    { label: `record per request (${RECORDS_PER_REQUEST} records, attributes per call, span per request)`, num: 'otelkit, span per request', den: 'otel-sdk, span per request', max: 1.1 },
    { label: 'exemplars in a fresh span every 10 records, vs the same with exemplars off', num: 'otelkit, span per request', den: 'otelkit, span per request, exemplars off', max: 1.1 },
  ],
};
