import { defineCatalog } from '../catalog/declaration.js';

/**
 * The runtime metrics `initTelemetry()` turns on by default (`runtimeMetrics`): event loop, GC
 * and V8 heap from @opentelemetry/instrumentation-runtime-node, process CPU and memory from
 * @opentelemetry/instrumentation-host-metrics. otelkit does not create these instruments — the
 * upstream instrumentations do — so this catalog only declares them for the dashboards and
 * alerts; test/catalog/runtime-catalog.test.ts checks every name against a real /metrics.
 * Units are what those instrumentations set: `process.cpu.utilization` and `process.memory.usage`
 * set none, so their Prometheus names carry no unit suffix.
 */
export const RUNTIME_CATALOG = defineCatalog({
  id: 'runtime',
  title: 'Runtime',
  description: 'Node.js runtime of each process: event loop delay and utilization, GC, V8 heap, process CPU and memory.',
  createdBy: 'initTelemetry() with runtimeMetrics, the default',
  source: 'instrumentation',
  instruments: {
    eventLoopUtilization: {
      name: 'nodejs.eventloop.utilization',
      kind: 'observablegauge',
      unit: '1',
      description: 'Event loop utilization: the fraction of time the loop was busy.',
    },
    eventLoopDelayP50: { name: 'nodejs.eventloop.delay.p50', kind: 'observablegauge', unit: 's', description: 'Event loop delay, 50th percentile.' },
    eventLoopDelayP90: { name: 'nodejs.eventloop.delay.p90', kind: 'observablegauge', unit: 's', description: 'Event loop delay, 90th percentile.' },
    eventLoopDelayP99: { name: 'nodejs.eventloop.delay.p99', kind: 'observablegauge', unit: 's', description: 'Event loop delay, 99th percentile.' },
    eventLoopDelayMax: { name: 'nodejs.eventloop.delay.max', kind: 'observablegauge', unit: 's', description: 'Event loop delay, maximum.' },
    eventLoopTime: {
      name: 'nodejs.eventloop.time',
      kind: 'observablecounter',
      unit: 's',
      description: 'Cumulative time the event loop spent in each state.',
      attributes: { 'nodejs.eventloop.state': { values: ['active', 'idle'] } },
    },
    gcDuration: {
      name: 'v8js.gc.duration',
      kind: 'histogram',
      unit: 's',
      description: 'Garbage collection duration, by GC type.',
      attributes: { 'v8js.gc.type': { values: ['major', 'minor', 'incremental', 'weakcb'] } },
      boundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
      // Recorded by a PerformanceObserver callback, outside any span: never an exemplar.
      recordedInSpans: false,
    },
    heapUsed: {
      name: 'v8js.memory.heap.used',
      kind: 'observablegauge',
      unit: 'By',
      description: 'V8 heap memory used, by heap space.',
      attributes: { 'v8js.heap.space.name': { values: 'the V8 heap space (`new_space`, `old_space`, `code_space`, …)' } },
    },
    heapSpaceSize: {
      name: 'v8js.memory.heap.space.size',
      kind: 'observablegauge',
      unit: 'By',
      description: 'V8 heap space size (allocated), by heap space.',
      attributes: { 'v8js.heap.space.name': { values: 'the V8 heap space (`new_space`, `old_space`, `code_space`, …)' } },
    },
    processCpuTime: {
      name: 'process.cpu.time',
      kind: 'observablecounter',
      unit: 's',
      description: 'CPU time of the process, by state.',
      attributes: { 'cpu.mode': { values: ['user', 'system'] } },
    },
    processMemoryUsage: {
      name: 'process.memory.usage',
      kind: 'observablegauge',
      unit: '',
      description: 'Resident set size of the process, in bytes.',
    },
  },
  presence: { instrument: 'eventLoopUtilization' },
  thresholds: [
    {
      id: 'eventLoopDelay',
      title: 'Event loop delay p99',
      gauge: { instrument: 'eventLoopDelayP99' },
      by: [],
      // Half a second of p99 loop delay means every request of the process waits that long.
      max: 0.5,
      for: '10m',
      severity: 'warning',
    },
  ],
});
