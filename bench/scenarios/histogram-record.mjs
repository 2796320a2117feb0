import { BUCKETS, VALUES, otelkit, otelSdk, promClient, promRegistry } from '../lib/setup.mjs';

/*
 * Histogram record with two attributes, values spread over prom-client's default buckets, which
 * all three contestants use. Forms as in counter-add: "bound" (prom-client `labels()`, otelkit
 * `bind()`) and "attrs" (a literal attributes object on each call).
 */
const advice = { advice: { explicitBucketBoundaries: [...BUCKETS] } };

function promHistogram() {
  return new promClient.Histogram({ name: 'latency_seconds', help: 'h', labelNames: ['route', 'status'], buckets: [...BUCKETS], registers: [promRegistry()] });
}

export default {
  name: 'histogram-record',
  title: 'Histogram record, 2 attributes (best case: one series, one call site)',
  notes:
    '**Best case**, as counter-add (record-realistic is the shape a service has), recording 1024 values spread log-uniformly from 1 ms to 20 s into prom-client\'s default buckets (all three libraries use them).',
  contestants: {
    'prom-client bound': () => {
      const child = promHistogram().labels({ route: 'fast', status: 'ok' });
      return { fn: (i) => child.observe(VALUES[i & 1023]) };
    },
    'prom-client attrs': () => {
      const h = promHistogram();
      return { fn: (i) => h.observe({ route: 'fast', status: 'ok' }, VALUES[i & 1023]) };
    },
    'otel-sdk attrs': () => {
      const sdk = otelSdk();
      const h = sdk.meter.createHistogram('latency', { unit: 's', ...advice });
      return { fn: (i) => h.record(VALUES[i & 1023], { route: 'fast', status: 'ok' }), teardown: sdk.shutdown };
    },
    'otelkit bound': () => {
      const bound = otelkit().meter.createHistogram('latency', { unit: 's', ...advice }).bind({ route: 'fast', status: 'ok' });
      return { fn: (i) => bound.record(VALUES[i & 1023]) };
    },
    'otelkit attrs': () => {
      const h = otelkit().meter.createHistogram('latency', { unit: 's', ...advice });
      return { fn: (i) => h.record(VALUES[i & 1023], { route: 'fast', status: 'ok' }) };
    },
  },
  targets: [
    { label: 'best case: histogram record, bound', num: 'otelkit bound', den: 'prom-client bound', max: 0.25 },
    { label: 'best case: histogram record, api instrument (exemplars off)', num: 'otelkit attrs', den: 'otel-sdk attrs', max: 1.1 },
  ],
};
