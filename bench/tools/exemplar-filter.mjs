// node bench/tools/exemplar-filter.mjs [none|late]
//
// What the exemplar filter costs on the record path when no span can exist: bound counter and
// histogram, `always_off` against the default `trace_based`, interleaved in one process (medians
// of 7). `late` registers an AsyncLocalStorage context manager after the instruments are made
// (as an app starting NodeSDK after otelkit does): the filter must then read the active context.
import { MeterProvider } from '@otelkit/metrics';

const mode = process.argv[2] ?? 'none';
const mk = (f) => new MeterProvider({ exemplarFilter: f }).getMeter('b');
const rows = {
  'counter, always_off': mk('always_off').createCounter('c').bind({ a: 'x' }),
  'counter, trace_based': mk('trace_based').createCounter('c').bind({ a: 'x' }),
  'histogram, always_off': mk('always_off').createHistogram('h').bind({ a: 'x' }),
  'histogram, trace_based': mk('trace_based').createHistogram('h').bind({ a: 'x' }),
};
if (mode === 'late') {
  const { context } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}
const N = 5e6;
const res = {};
for (let r = 0; r < 7; r++) {
  for (const [k, c] of Object.entries(rows)) {
    const t = process.hrtime.bigint();
    if (k.startsWith('histogram')) for (let i = 0; i < N; i++) c.record((i & 1023) / 100);
    else for (let i = 0; i < N; i++) c.add(1);
    (res[k] ??= []).push(Number(process.hrtime.bigint() - t) / N);
  }
}
for (const [k, v] of Object.entries(res)) {
  v.sort((a, b) => a - b);
  console.log(`${k.padEnd(24)} ${v[3].toFixed(2)} ns`);
}
