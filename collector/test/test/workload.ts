import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { context, type Counter, type Histogram, type Tracer, type UpDownCounter } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricProducer } from '@otelkit/metrics';
import { OTLPMetricExporter, type OtlpMetricsOptions } from '@otelkit/otlp';
import { SHIPPED_COLLECTOR_CONFIG } from '@otelkit/testkit';

let contextManager: AsyncLocalStorageContextManager | undefined;

/** Exemplars need the active span: register the async-hooks context manager once. */
export function enableContext(): void {
  if (contextManager) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

/** The histogram boundaries of `job.duration` (seconds). */
export const BOUNDARIES = [0.1, 1, 10];

/** What {@link Workload.run} recorded, to compare with what comes out of the collector. */
export interface Recorded {
  /** jobs.done by queue */
  jobs: Record<string, number>;
  /** job.duration observations by queue */
  durations: Record<string, number[]>;
  /** cache.size (UpDownCounter, bytes) */
  cacheBytes: number;
  /** trace id / span id of the sampled span active at each job.duration record, by queue. */
  spans: Record<string, { traceId: string; spanId: string; value: number }[]>;
}

/**
 * One service instance's telemetry: otelkit instruments, the otelkit OTLP metric exporter and the
 * upstream OTLP/HTTP trace exporter, both pointed at a collector.
 */
export class Workload {
  readonly provider = new MeterProvider();
  readonly resource: Resource;
  readonly metrics: OTLPMetricExporter;
  readonly tracerProvider: TracerProvider;
  readonly tracer: Tracer;
  readonly recorded: Recorded = { jobs: {}, durations: {}, cacheBytes: 0, spans: {} };
  readonly #producer: MetricProducer;
  readonly #counter: Counter;
  readonly #histogram: Histogram;
  readonly #cache: UpDownCounter;

  constructor(otlpHttpUrl: string, serviceInstanceId: string, options: OtlpMetricsOptions = {}) {
    enableContext();
    this.resource = resourceFromAttributes({ 'service.name': 'collector-e2e', 'service.instance.id': serviceInstanceId, 'deployment.environment.name': 'test' });
    this.#producer = new MetricProducer(this.provider.store, this.resource);
    this.metrics = new OTLPMetricExporter({ url: `${otlpHttpUrl}/v1/metrics`, timeoutMillis: 5000, ...options });
    this.tracerProvider = new TracerProvider({
      resource: this.resource,
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlpHttpUrl}/v1/traces` }) })],
    });
    this.tracer = this.tracerProvider.getTracer('collector-e2e');
    const meter = this.provider.getMeter('collector-e2e', '1.2.3');
    this.#counter = meter.createCounter('jobs.done', { unit: '{job}', description: 'Jobs finished.' });
    this.#histogram = meter.createHistogram('job.duration', { unit: 's', description: 'Job duration.', advice: { explicitBucketBoundaries: BOUNDARIES } });
    this.#cache = meter.createUpDownCounter('cache.size', { unit: 'By', description: 'Bytes in the cache.' });
  }

  /** Records one job inside a sampled span (so the measurements carry its ids as exemplars). */
  job(queue: string, durationSeconds: number, count = 1): void {
    this.tracer.startActiveSpan(`job ${queue}`, (span) => {
      this.#counter.add(count, { queue });
      this.#histogram.record(durationSeconds, { queue });
      const { traceId, spanId } = span.spanContext();
      (this.recorded.spans[queue] ??= []).push({ traceId, spanId, value: durationSeconds });
      span.end();
    });
    this.recorded.jobs[queue] = (this.recorded.jobs[queue] ?? 0) + count;
    (this.recorded.durations[queue] ??= []).push(durationSeconds);
  }

  cache(deltaBytes: number): void {
    this.#cache.add(deltaBytes);
    this.recorded.cacheBytes += deltaBytes;
  }

  /** One cumulative collection exported through the otelkit OTLP exporter. */
  async export(): Promise<Awaited<ReturnType<OTLPMetricExporter['exportAsync']>>> {
    const { resourceMetrics } = await this.#producer.collect();
    return this.metrics.exportAsync(resourceMetrics);
  }

  async shutdown(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.metrics.shutdown().catch(() => undefined);
  }
}

/** Cumulative bucket counts (`le` → count) of `values` for {@link BOUNDARIES}, `+Inf` included. */
export function cumulativeBuckets(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of BOUNDARIES) out[String(b)] = values.filter((v) => v <= b).length;
  out['+Inf'] = values.length;
  return out;
}

/**
 * The shipped config with the commented remote-write exporter switched on (the block between
 * `# BEGIN prometheusremotewrite` and `# END`, uncommented) and the metrics pipeline sending to it:
 * what a user gets by following the comment. Written next to `dir`.
 */
export async function remoteWriteVariant(dir: string): Promise<string> {
  const shipped = await readFile(SHIPPED_COLLECTOR_CONFIG, 'utf8');
  const lines = shipped.split('\n');
  const begin = lines.findIndex((l) => l.trim() === '# BEGIN prometheusremotewrite');
  const end = lines.findIndex((l) => l.trim() === '# END prometheusremotewrite');
  if (begin < 0 || end < begin) throw new Error('otel-collector.yaml lost its BEGIN/END prometheusremotewrite markers');
  for (let i = begin + 1; i < end; i++) lines[i] = lines[i]!.replace(/^(\s*)# /, '$1');
  const pipeline = lines.findIndex((l) => l.trim() === 'exporters: [prometheus]');
  if (pipeline < 0) throw new Error('otel-collector.yaml: the metrics pipeline no longer reads `exporters: [prometheus]`');
  lines[pipeline] = lines[pipeline]!.replace('[prometheus]', '[prometheus_remote_write]');
  const path = join(dir, 'otel-collector.remote-write.yaml');
  await writeFile(path, lines.join('\n'));
  return path;
}
