import { otelkit, otelSdk, promClient, promRegistry } from '../lib/setup.mjs';

/*
 * Counter +1 with two attributes, the same attribute set on every call. "bound" keeps the handle
 * of one series (prom-client `labels()`, otelkit `bind()`); "attrs" passes a literal attributes
 * object on each call, the way `@opentelemetry/api` code and instrumentation libraries do.
 * sdk-metrics has no bound handle, so it only runs the attrs form.
 */
export default {
  name: 'counter-add',
  title: 'Counter add, 2 attributes (best case: one series, one call site)',
  notes:
    '**Best case**, kept for regressions: one series, the same literal attribute values on every call, one monomorphic call site; record-realistic is the shape a service has. `counter.add(1)` on one series with attributes `{route, status}`. *bound*: the handle of one series (prom-client `labels()`, which still hashes the labels on every `inc`; otelkit `bind()`, a property update). ' +
    '*attrs*: a literal attributes object on every call, the way `@opentelemetry/api` code and instrumentation libraries record; sdk-metrics has only this form. otelkit with exemplars off.',
  contestants: {
    'prom-client bound': () => {
      const c = new promClient.Counter({ name: 'requests_total', help: 'h', labelNames: ['route', 'status'], registers: [promRegistry()] });
      const child = c.labels({ route: 'fast', status: 'ok' });
      return { fn: () => child.inc(1) };
    },
    'prom-client attrs': () => {
      const c = new promClient.Counter({ name: 'requests_total', help: 'h', labelNames: ['route', 'status'], registers: [promRegistry()] });
      return { fn: () => c.inc({ route: 'fast', status: 'ok' }, 1) };
    },
    'otel-sdk attrs': () => {
      const sdk = otelSdk();
      const c = sdk.meter.createCounter('requests');
      return { fn: () => c.add(1, { route: 'fast', status: 'ok' }), teardown: sdk.shutdown };
    },
    'otelkit bound': () => {
      const c = otelkit().meter.createCounter('requests');
      const bound = c.bind({ route: 'fast', status: 'ok' });
      return { fn: () => bound.add(1) };
    },
    'otelkit attrs': () => {
      const c = otelkit().meter.createCounter('requests');
      return { fn: () => c.add(1, { route: 'fast', status: 'ok' }) };
    },
  },
  targets: [
    { label: 'best case: counter add, bound', num: 'otelkit bound', den: 'prom-client bound', max: 0.25 },
    { label: 'best case: counter add, api instrument (exemplars off)', num: 'otelkit attrs', den: 'otel-sdk attrs', max: 1.1 },
  ],
};
