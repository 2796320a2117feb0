// Recording cost of the meter sets against prom-client, one process, medians of several rounds.
// Run: npm run build && node packages/meters/bench/recording-cost.mjs
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '@otelkit/metrics';
import client from 'prom-client';
import { createCoordinatorMeters, createServiceHealthMeters } from '../dist/index.js';

// A real service has a context manager; the default exemplar filter (trace_based) reads it on every record.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const N = 2_000_000;
const ROUNDS = 7;

function time(fn) {
  const t0 = process.hrtime.bigint();
  fn(N);
  return Number(process.hrtime.bigint() - t0) / N;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const registry = new client.Registry();
const promCounter = new client.Counter({ name: 'decisions_total', help: 'h', labelNames: ['route'], registers: [registry] });
const promHist = new client.Histogram({
  name: 'duration_seconds',
  help: 'h',
  labelNames: ['service', 'operation'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});
const promExecHist = new client.Histogram({
  name: 'exec_seconds',
  help: 'h',
  labelNames: ['path'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60],
  registers: [registry],
});

const provider = new MeterProvider();
const meter = provider.getMeter('bench');
const coordinator = createCoordinatorMeters(meter);
const health = createServiceHealthMeters(meter, { service: 'evaluator' });
const cycle = health.cycle('evaluate');

// The floor: one bound cell of @otelkit/metrics, no meter-set layer.
const floorCells = ['fast', 'planner', 'hgnn'].map((route) => meter.createCounter('floor').bind({ route }));
const offMeter = new MeterProvider({ exemplarFilter: 'always_off' }).getMeter('bench');
const coordinatorOff = createCoordinatorMeters(offMeter);

const values = Array.from({ length: 1024 }, (_, i) => ((i * 7919) % 1000) / 400);
const routes = ['fast', 'planner', 'hgnn'];

const scenarios = {
  'prom-client counter.inc({route})': (n) => {
    for (let i = 0; i < n; i++) promCounter.inc({ route: routes[i % 3] });
  },
  'otelkit routing.decision(route)': (n) => {
    for (let i = 0; i < n; i++) coordinator.routing.decision(routes[i % 3]);
  },
  'floor: bound cell add (metrics package, no meter set)': (n) => {
    for (let i = 0; i < n; i++) floorCells[i % 3].add(1);
  },
  'otelkit routing.decision(route), exemplarFilter=always_off': (n) => {
    for (let i = 0; i < n; i++) coordinatorOff.routing.decision(routes[i % 3]);
  },
  'prom-client histogram.observe({service,operation}, v)': (n) => {
    for (let i = 0; i < n; i++) promHist.observe({ service: 'evaluator', operation: 'evaluate' }, values[i & 1023]);
  },
  'otelkit health cycle(op).record(v) [hist + outcome counter]': (n) => {
    for (let i = 0; i < n; i++) cycle.record(values[i & 1023]);
  },
  'prom-client histogram.observe({path}, v)': (n) => {
    for (let i = 0; i < n; i++) promExecHist.observe({ path: routes[i % 3] }, values[i & 1023]);
  },
  'otelkit execution.duration(path, v)': (n) => {
    for (let i = 0; i < n; i++) coordinator.execution.duration(routes[i % 3], values[i & 1023]);
  },
};

const results = {};
for (const name of Object.keys(scenarios)) results[name] = [];
for (let r = 0; r < ROUNDS; r++) for (const [name, fn] of Object.entries(scenarios)) results[name].push(time(fn));
const ns = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
for (const [k, v] of Object.entries(ns)) console.log(`${k.padEnd(62)} ${v.toFixed(1).padStart(7)} ns/op`);
const ratio = (a, b) => (ns[a] / ns[b]).toFixed(3);
console.log(`counter ratio (otelkit / prom-client): ${ratio('otelkit routing.decision(route)', 'prom-client counter.inc({route})')}  (target <= 0.25)`);
console.log(`histogram ratio, by path (otelkit / prom-client): ${ratio('otelkit execution.duration(path, v)', 'prom-client histogram.observe({path}, v)')}  (target <= 0.25)`);
console.log(`cycle.record (histogram + counter) / prom-client observe: ${ratio('otelkit health cycle(op).record(v) [hist + outcome counter]', 'prom-client histogram.observe({service,operation}, v)')}`);
