/**
 * One service process of the Collector tiers test: a real `initTelemetry()` exporting OTLP/HTTP
 * metrics and traces to its host's agent (OTEL_EXPORTER_OTLP_ENDPOINT), driven by the test over IPC.
 * Every job runs in a sampled span and records a counter and a histogram inside it, so the
 * histogram's exemplars carry the span's ids. The process reports exactly what it recorded.
 *
 * IPC, one reply per message: `{ op: 'record', n }` records n jobs now; `{ op: 'run', everyMs }`
 * records one job every everyMs until `{ op: 'pause' }`; `{ op: 'flush' }`; `{ op: 'shutdown' }`
 * (final export, then exit); `{ op: 'health' }` also answers `health: tel.health()`. Each reply is
 * `{ ok, error?, recorded }`.
 */
import { initTelemetry } from '@otelkit/telemetry';
import { BOUNDARIES, DURATIONS, type TierRecorded } from './tier-recorded.js';

if (!process.send) throw new Error('tier-service.ts runs as a child process with an IPC channel (the tiers test forks it)');
const instance = process.env.OTEL_SERVICE_INSTANCE_ID ?? 'unknown';
const tel = initTelemetry({
  serviceInstanceId: instance,
  sampler: 'always_on',
  runtimeMetrics: false,
  shutdownHooks: false,
  prometheus: false,
  metricsExporters: ['otlp'],
  tracesExporters: ['otlp'],
  metricExportIntervalMillis: 500,
  metricExportTimeoutMillis: 3000,
  histogramBoundaries: { 'job.duration': BOUNDARIES },
});
const meter = tel.meter('tier-service', '1.0.0');
const tracer = tel.tracer('tier-service');
const done = meter.createCounter('jobs.done', { unit: '{job}', description: 'Jobs finished.' });
const duration = meter.createHistogram('job.duration', { unit: 's', description: 'Job duration.' });
const recorded: TierRecorded = { instance, jobs: {}, observations: 0, durationSum: 0, spans: [] };
let n = 0;
const job = (): void => {
  const queue = n % 3 === 0 ? 'slow' : 'fast';
  const value = DURATIONS[n % DURATIONS.length]!;
  n++;
  tracer.startActiveSpan(`job ${queue}`, (span) => {
    done.add(1, { queue });
    duration.record(value, { queue });
    const { traceId, spanId } = span.spanContext();
    recorded.spans.push({ traceId, spanId, value });
    span.end();
  });
  recorded.jobs[queue] = (recorded.jobs[queue] ?? 0) + 1;
  recorded.observations++;
  recorded.durationSum += value;
};
let loop: NodeJS.Timeout | undefined;
process.on('message', (m: { op: string; n?: number; everyMs?: number }) => {
  const reply = (error?: unknown): void => {
    process.send!({ ok: error === undefined, error: error === undefined ? undefined : String(error), recorded });
  };
  switch (m.op) {
    case 'record':
      for (let i = 0; i < (m.n ?? 1); i++) job();
      reply();
      break;
    case 'run':
      clearInterval(loop);
      loop = setInterval(job, m.everyMs ?? 50);
      reply();
      break;
    case 'pause':
      clearInterval(loop);
      loop = undefined;
      reply();
      break;
    case 'health':
      process.send!({ ok: true, recorded, health: tel.health() });
      break;
    case 'flush':
      tel.forceFlush().then(() => reply(), reply);
      break;
    case 'shutdown':
      clearInterval(loop);
      tel.shutdown().then(() => reply(), reply).finally(() => setTimeout(() => process.exit(0), 50));
      break;
    default:
      reply(new Error(`unknown op ${m.op}`));
  }
});
process.send({ ok: true, ready: true, recorded });
