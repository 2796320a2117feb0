import type { ExportResult } from '@opentelemetry/core';
import { type AggregationTemporality, type InstrumentType, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { CumulativeToDelta } from './cumulative-to-delta.js';
import type { ExporterHealth } from './exporter-health.js';
import { encodeMetricsJson } from './metrics-json.js';
import { encodeMetricsProtobuf } from './metrics-protobuf.js';
import { validateOtlpMetricsOptions, type OtlpMetricsOptions, type ResolvedOtlpMetricsOptions } from './options.js';
import { OtlpDelivery } from './otlp-delivery.js';
import { temporalityFor } from './temporality-preference.js';
import type { PreparedRequest, TransportFactory } from './transport.js';

/** How the exporter is put together, beyond its {@link OtlpMetricsOptions}. */
export interface ExporterParts {
  /**
   * Builds the transport (default OTLP/HTTP, {@link HttpTransport}). Another protocol plugs in
   * here: retries, health, encoding and the exit-path request stay the exporter's.
   */
  readonly transport?: TransportFactory;
}

/** Per-call options of {@link OTLPMetricExporter.exportAsync}. */
export interface ExportOptions {
  /** A tighter budget than the exporter's `timeoutMillis` (the reader passes what is left of its own). */
  readonly timeoutMillis?: number;
}

function countDataPoints(metrics: ResourceMetrics): number {
  let n = 0;
  for (const sm of metrics.scopeMetrics) for (const m of sm.metrics) n += m.dataPoints.length;
  return n;
}

/**
 * OTLP metric exporter (HTTP protobuf or JSON, or gRPC for `protocol: 'grpc'`; TLS, mTLS and gzip
 * from the options; cumulative, delta or lowmemory temporality) that writes exemplars and keeps
 * {@link ExporterHealth}. Retries 429/502/503/504 and network errors with exponential backoff
 * and jitter, honours `Retry-After` (delta-seconds and HTTP-date, also for the next export when
 * it lies beyond this one's budget), never retries another 4xx, logs partial success, and
 * keeps every export inside `timeoutMillis`, retries included.
 * https://opentelemetry.io/docs/specs/otlp/#otlphttp
 *
 * `forceFlush()` and `shutdown()` reject with the error of an export that failed while they
 * waited for it, instead of resolving as upstream's exporters do.
 *
 * @example
 * const exporter = new OTLPMetricExporter({ url: 'http://collector:4318/v1/metrics' });
 * const reader = new PeriodicExportingReader({ exporter, exportIntervalMillis: 15_000 });
 * reader.setMetricProducer(new MetricProducer(meterProvider.store, resource));
 */
export class OTLPMetricExporter implements PushMetricExporter {
  /** The options in effect, defaults filled in. */
  readonly options: ResolvedOtlpMetricsOptions;
  readonly #delivery: OtlpDelivery;
  readonly #encode: (m: ResourceMetrics) => Uint8Array;
  /** Present unless the temporality preference is cumulative. */
  readonly #delta: CumulativeToDelta | undefined;
  /**
   * With delta temporality, exports run one after the other: each one's delta starts where the
   * last delivered one ended, so two in flight at once would both count the same increments.
   */
  #deltaChain: Promise<unknown> = Promise.resolve();

  constructor(options: OtlpMetricsOptions = {}, parts: ExporterParts = {}) {
    this.options = validateOtlpMetricsOptions(options);
    this.#encode = this.options.protocol === 'http/json' ? encodeMetricsJson : encodeMetricsProtobuf;
    this.#delivery = new OtlpDelivery(this.options, 'metrics', 'data points', parts.transport);
    this.#delta = this.options.temporalityPreference === 'cumulative' ? undefined : new CumulativeToDelta(this.options.temporalityPreference);
  }

  /** sdk-metrics entry point; the result also reaches {@link health}. */
  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    void this.exportAsync(metrics).then(resultCallback);
  }

  /** Exports and resolves with the result (never rejects). */
  exportAsync(metrics: ResourceMetrics, options: ExportOptions = {}): Promise<ExportResult> {
    const delta = this.#delta;
    if (delta === undefined) return this.#delivery.track(this.#delivery.deliver(() => this.#encode(metrics), countDataPoints(metrics), options.timeoutMillis));
    const queuedAt = Date.now();
    const run = this.#deltaChain.then(async () => {
      // The time spent waiting for the previous export counts against this one's budget.
      const left = options.timeoutMillis === undefined ? undefined : Math.max(1, options.timeoutMillis - (Date.now() - queuedAt));
      const conversion = delta.convert(metrics);
      const result = await this.#delivery.deliver(() => this.#encode(conversion.metrics), countDataPoints(metrics), left);
      // Partial success included: what the receiver refused is reported, not re-sent.
      if (result.code === 0) conversion.commit();
      return result;
    });
    this.#deltaChain = run;
    return this.#delivery.track(run);
  }

  /**
   * Resolves when every export started before the call has finished; rejects with the error
   * of the first of them that failed.
   */
  forceFlush(): Promise<void> {
    return this.#delivery.forceFlush();
  }

  /** Refuses new exports, waits for those in flight (rejecting like {@link forceFlush}), closes connections. */
  shutdown(): Promise<void> {
    return this.#delivery.shutdown();
  }

  /**
   * https://opentelemetry.io/docs/specs/otel/metrics/sdk_exporters/otlp/ — by the temporality
   * preference (temporality-preference.ts). otelkit's own producer always hands over cumulative
   * points and this exporter differences them; an sdk-metrics reader asked for delta hands over
   * delta points, which pass through as they are.
   */
  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return temporalityFor(this.options.temporalityPreference, instrumentType);
  }

  /**
   * The request that would export `metrics` now, encoded and compressed synchronously, for the
   * exit path (`process.exit()`, a fatal exception), where the event loop no longer runs and a
   * child process sends it. Undefined when the transport cannot be replayed as plain HTTP.
   * Built even during shutdown: the exit may come while the final async export is in flight.
   * With delta temporality, the points since the last delivered export (the state is not
   * advanced: nothing says whether the child's request arrived, and the process is ending).
   */
  finalRequest(metrics: ResourceMetrics): PreparedRequest | undefined {
    const data = this.#delta === undefined ? metrics : this.#delta.convert(metrics).metrics;
    return this.#delivery.prepare(this.#encode(data));
  }

  /** Counters since construction, as plain JSON. */
  health(): ExporterHealth {
    return this.#delivery.health();
  }
}
