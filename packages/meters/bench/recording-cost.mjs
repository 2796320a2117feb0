// Recording cost and memory of the meter sets against prom-client, one process.
// Run (after `npx tsc -b packages/meters`): node --expose-gc packages/meters/bench/recording-cost.mjs
// Time: median over rounds of ns per call. Two otelkit settings: exemplars off (how bench/ compares
// instruments) and the default trace_based filter with an AsyncLocalStorage context manager (what a
// service under initTelemetry() runs: every record reads the active span).
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '@otelkit/metrics';
import client from 'prom-client';
import { createCoordinatorMeters, createServiceHealthMeters, LATENCY_BUCKETS, PROCESSING_BUCKETS } from '../dist/index.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const N = 1_000_000;
const ROUNDS = 9;
const routes = ['fast', 'planner', 'hgnn'];
const values = Array.from({ length: 1024 }, (_, i) => 0.001 * Math.pow(20000, ((i * 2654435761) >>> 0) / 2 ** 32));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

// Memory per series: the same series on both sides — per (service, operation) one cycle-duration
// histogram series and two outcome counter series — made through each library's handles. Each side
// is measured in a fresh process (heap after GC, minus the heap before), so one side's garbage or
// JIT state cannot land in the other's figure. otelkit's figure includes the meter-set objects.
const SERVICES = 300;
const OPS = 10;
const SERIES = SERVICES * OPS * 3;
const builders = {
  'prom-client': () => {
    const registry = new client.Registry();
    const c = new client.Counter({ name: 'cycles_total', help: 'h', labelNames: ['service', 'operation', 'outcome'], registers: [registry] });
    const h = new client.Histogram({ name: 'cycle_seconds', help: 'h', labelNames: ['service', 'operation'], buckets: [...PROCESSING_BUCKETS], registers: [registry] });
    const handles = [];
    for (let s = 0; s < SERVICES; s++) {
      for (let o = 0; o < OPS; o++) {
        const service = `svc${s}`;
        const operation = `op${o}`;
        const hh = h.labels({ service, operation });
        hh.observe(0.1);
        const ok = c.labels({ service, operation, outcome: 'success' });
        ok.inc();
        const ko = c.labels({ service, operation, outcome: 'failure' });
        ko.inc(0);
        handles.push(hh, ok, ko);
      }
    }
    return [registry, handles];
  },
  'otelkit meter sets': () => {
    // Above the default cardinality limit (2000 series per instrument), which prom-client does not have.
    const provider = new MeterProvider({ exemplarFilter: 'always_off', cardinalityLimit: 10_000 });
    const meter = provider.getMeter('bench');
    const sets = [];
    for (let s = 0; s < SERVICES; s++) {
      const health = createServiceHealthMeters(meter, { service: `svc${s}` });
      for (let o = 0; o < OPS; o++) health.cycle(`op${o}`).record(0.1);
      sets.push(health);
    }
    if (provider.store.seriesCount !== SERIES) throw new Error(`expected ${SERIES} series, got ${provider.store.seriesCount}`);
    return [provider, sets];
  },
};

const memoryArg = process.argv.find((a) => a.startsWith('--memory='));
if (memoryArg !== undefined) {
  // child: build one side, print bytes per series
  const heap = () => {
    globalThis.gc();
    globalThis.gc();
    return process.memoryUsage().heapUsed;
  };
  const build = builders[memoryArg.slice('--memory='.length)];
  build(); // warm-up: code, hidden classes, interned strings
  const h0 = heap();
  const keep = build();
  const bytes = (heap() - h0) / SERIES;
  if (keep.length === 0) throw new Error('unreachable');
  process.stdout.write(String(bytes));
  process.exit(0);
}

function prom() {
  const registry = new client.Registry();
  const decisions = new client.Counter({ name: 'decisions_total', help: 'h', labelNames: ['route'], registers: [registry] });
  const duration = new client.Histogram({ name: 'duration_seconds', help: 'h', labelNames: ['path'], buckets: [...LATENCY_BUCKETS], registers: [registry] });
  const cycle = new client.Histogram({ name: 'cycle_seconds', help: 'h', labelNames: ['service', 'operation'], buckets: [...PROCESSING_BUCKETS], registers: [registry] });
  return { decisions, duration, cycle };
}

function otelkit(exemplarFilter) {
  const meter = new MeterProvider({ exemplarFilter }).getMeter('bench');
  return { coordinator: createCoordinatorMeters(meter), health: createServiceHealthMeters(meter, { service: 'evaluator' }) };
}

const p = prom();
const off = otelkit('always_off');
const tb = otelkit('trace_based');
const offCycle = off.health.cycle('evaluate');
const tbCycle = tb.health.cycle('evaluate');

const scenarios = {
  'prom-client counter.inc({route})': (n) => { for (let i = 0; i < n; i++) p.decisions.inc({ route: routes[i % 3] }); },
  'otelkit routing.decision(route) [exemplars off]': (n) => { for (let i = 0; i < n; i++) off.coordinator.routing.decision(routes[i % 3]); },
  'otelkit routing.decision(route) [trace_based]': (n) => { for (let i = 0; i < n; i++) tb.coordinator.routing.decision(routes[i % 3]); },
  'prom-client histogram.observe({path}, v)': (n) => { for (let i = 0; i < n; i++) p.duration.observe({ path: routes[i % 3] }, values[i & 1023]); },
  'otelkit execution.duration(path, v) [exemplars off]': (n) => { for (let i = 0; i < n; i++) off.coordinator.execution.duration(routes[i % 3], values[i & 1023]); },
  'otelkit execution.duration(path, v) [trace_based]': (n) => { for (let i = 0; i < n; i++) tb.coordinator.execution.duration(routes[i % 3], values[i & 1023]); },
  'prom-client histogram.observe({service,operation}, v)': (n) => { for (let i = 0; i < n; i++) p.cycle.observe({ service: 'evaluator', operation: 'evaluate' }, values[i & 1023]); },
  'otelkit cycle.record(v) (histogram + outcome counter) [exemplars off]': (n) => { for (let i = 0; i < n; i++) offCycle.record(values[i & 1023]); },
  'otelkit cycle.record(v) (histogram + outcome counter) [trace_based]': (n) => { for (let i = 0; i < n; i++) tbCycle.record(values[i & 1023]); },
};

const samples = Object.fromEntries(Object.keys(scenarios).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(scenarios)) {
    const t0 = process.hrtime.bigint();
    fn(N);
    samples[name].push(Number(process.hrtime.bigint() - t0) / N);
  }
}
const ns = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
console.log(`node ${process.version}, ${N} calls × ${ROUNDS} rounds, median ns/call`);
for (const [k, v] of Object.entries(ns)) console.log(`  ${k.padEnd(72)} ${v.toFixed(1).padStart(7)}`);
const ratio = (a, b) => (ns[a] / ns[b]).toFixed(3);
console.log('ratios (target <= 0.25):');
for (const mode of ['exemplars off', 'trace_based']) {
  console.log(`  counter   [${mode}] ${ratio(`otelkit routing.decision(route) [${mode}]`, 'prom-client counter.inc({route})')}`);
  console.log(`  histogram [${mode}] ${ratio(`otelkit execution.duration(path, v) [${mode}]`, 'prom-client histogram.observe({path}, v)')}`);
}


const { execFileSync } = await import('node:child_process');
const memory = {};
for (const side of Object.keys(builders)) {
  const runs = [0, 1, 2].map(() => Number(execFileSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, `--memory=${side}`], { encoding: 'utf8' })));
  memory[side] = median(runs);
}
console.log(
  `memory per series (${SERIES} series: ${SERIES / 3} histogram + ${(SERIES * 2) / 3} counter; median of 3 fresh processes): ` +
    Object.entries(memory).map(([k, v]) => `${k} ${v.toFixed(0)} B`).join(', '),
);
