import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { BUCKETS, VALUES, otelkit, promClient, promRegistry } from '../lib/setup.mjs';

/*
 * What exemplars cost on the record path. A bound otelkit histogram records inside one active,
 * sampled span (sdk-trace's TracerProvider sampling everything, AsyncLocalStorage context manager, the
 * setup a Node service has) and outside any span. With `trace_based` (the spec default) every
 * record reads the active span; inside a sampled one it also stores value, time and span context
 * in the bucket's slot. `always_off` must make the span irrelevant.
 *
 * prom-client cannot take exemplars from the active span: its user passes them by hand on every
 * call (`observe({labels, value, exemplarLabels})`, OpenMetrics registry, `enableExemplars`). That
 * contestant is shown for reference, not targeted.
 */
const advice = { advice: { explicitBucketBoundaries: [...BUCKETS] } };
const ATTRS = { route: 'fast', status: 'ok' };

let tracer;
function inSpan() {
  if (tracer === undefined) {
    // Registering twice would fail silently and leave the first manager in place; once is enough.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    tracer = new TracerProvider().getTracer('bench');
  }
  return (run) =>
    tracer.startActiveSpan('request', (span) => {
      try {
        return run();
      } finally {
        span.end();
      }
    });
}

function bound(exemplarFilter) {
  return otelkit({ exemplarFilter }).meter.createHistogram('latency', { unit: 's', ...advice }).bind(ATTRS);
}

export default {
  name: 'histogram-exemplars',
  title: 'Histogram record (bound) with exemplars, inside vs outside a sampled span (best case: one long-lived span)',
  notes:
    '**Best case**: one long-lived span for the whole run (record-realistic starts a new span every 10 records). A bound otelkit histogram recording inside one active, sampled span (sdk-trace TracerProvider, AsyncLocalStorage context manager) and outside any span, with the `trace_based` filter (the default: every record reads the active span; inside a sampled one it also stores value, time and span context in the bucket\'s slot) and with `always_off`. ' +
    'No collection happens while a row is timed, except in *100 records per cycle*, which ends the exemplar cycle (as a scrape does) every 100 records: the reservoir replaces a slot with probability 1/offers per cycle, so few records per scrape is its costly end. ' +
    'prom-client cannot take exemplars from the active span; the reference row passes them by hand on each call, as its users must.',
  contestants: {
    'otelkit outside span': () => {
      const h = bound('trace_based');
      return { fn: (i) => h.record(VALUES[i & 1023]) };
    },
    'otelkit in span': () => {
      const h = bound('trace_based');
      return { fn: (i) => h.record(VALUES[i & 1023]), wrap: inSpan() };
    },
    // The reservoir replaces a bucket's slot with probability 1/offers within a collection cycle,
    // so a long run without collection reads the clock less and less. A series that sees only
    // 100 records between two scrapes is the costly end: time it too.
    'otelkit in span, 100 records per cycle': () => {
      const noop = () => undefined;
      const kit = otelkit({ exemplarFilter: 'trace_based' });
      const h = kit.meter.createHistogram('latency', { unit: 's', ...advice }).bind(ATTRS);
      const store = kit.store;
      return {
        fn: (i) => {
          h.record(VALUES[i & 1023]);
          // A collection with no series work: what ends the cycle in a scrape, minus the serializer.
          if (i % 100 === 99) store.collectSync(noop);
        },
        wrap: inSpan(),
      };
    },
    'otelkit in span, always_off': () => {
      const h = bound('always_off');
      return { fn: (i) => h.record(VALUES[i & 1023]), wrap: inSpan() };
    },
    'prom-client in span, exemplar by hand': () => {
      const h = new promClient.Histogram({
        name: 'latency_seconds',
        help: 'h',
        labelNames: ['route', 'status'],
        buckets: [...BUCKETS],
        enableExemplars: true,
        registers: [promRegistry(true)],
      });
      return {
        fn: (i) => {
          const sc = trace.getActiveSpan()?.spanContext();
          h.observe({ labels: ATTRS, value: VALUES[i & 1023], exemplarLabels: sc ? { trace_id: sc.traceId, span_id: sc.spanId } : {} });
        },
        wrap: inSpan(),
      };
    },
  },
  targets: [
    { label: 'best case (one long-lived span): histogram in sampled span, exemplars on (trace_based), vs outside a span', num: 'otelkit in span', den: 'otelkit outside span', max: 1.3 },
    { label: 'best case (one long-lived span): histogram in sampled span, always_off, vs outside a span', num: 'otelkit in span, always_off', den: 'otelkit outside span', max: 1.05 },
  ],
};
