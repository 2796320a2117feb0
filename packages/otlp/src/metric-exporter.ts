import { promisify } from 'node:util';
import { gzip as gzipCallback, gzipSync } from 'node:zlib';
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AggregationTemporality, type InstrumentType, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { OtlpExportError } from './errors.js';
import { decodePartialSuccess } from './export-response.js';
import { HealthCounters, type ExporterHealth } from './exporter-health.js';
import { HttpTransport } from './http-transport.js';
import { encodeMetricsJson } from './metrics-json.js';
import { encodeMetricsProtobuf } from './metrics-protobuf.js';
import { validateOtlpMetricsOptions, type OtlpMetricsOptions, type ResolvedOtlpMetricsOptions } from './options.js';
import { CONTENT_TYPE_JSON, CONTENT_TYPE_PROTOBUF } from './otlp-types.js';
import { nextRetry } from './retry-policy.js';
import type { AttemptResult, OtlpTransport, PreparedRequest, TransportFactory } from './transport.js';

const gzip = promisify(gzipCallback);
const USER_AGENT = 'otelkit-otlp/0.1.0';

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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * OTLP/HTTP metric exporter (protobuf or JSON) that writes exemplars and keeps
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
  readonly #transport: OtlpTransport;
  readonly #encode: (m: ResourceMetrics) => Uint8Array;
  readonly #health = new HealthCounters();
  /** Exports not yet finished: what forceFlush() and shutdown() wait for. */
  readonly #pending = new Set<Promise<ExportResult>>();
  /** Epoch ms before which the receiver asked not to be called (Retry-After beyond an export's budget). */
  #throttledUntilMs = 0;
  #shutdown = false;

  constructor(options: OtlpMetricsOptions = {}, parts: ExporterParts = {}) {
    this.options = validateOtlpMetricsOptions(options);
    const json = this.options.protocol === 'http/json';
    this.#encode = json ? encodeMetricsJson : encodeMetricsProtobuf;
    const transport = parts.transport ?? ((settings) => new HttpTransport(settings));
    this.#transport = transport({
      url: this.options.url,
      headers: this.options.headers,
      contentType: json ? CONTENT_TYPE_JSON : CONTENT_TYPE_PROTOBUF,
      gzip: this.options.compression === 'gzip',
      userAgent: USER_AGENT,
    });
  }

  /** sdk-metrics entry point; the result also reaches {@link health}. */
  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    void this.exportAsync(metrics).then(resultCallback);
  }

  /** Exports and resolves with the result (never rejects). */
  exportAsync(metrics: ResourceMetrics, options: ExportOptions = {}): Promise<ExportResult> {
    const p = this.#export(metrics, options.timeoutMillis);
    this.#pending.add(p);
    void p.then(() => this.#pending.delete(p));
    return p;
  }

  async #export(metrics: ResourceMetrics, timeoutMillis: number | undefined): Promise<ExportResult> {
    const start = Date.now();
    const budget = Math.min(this.options.timeoutMillis, timeoutMillis ?? Infinity);
    const deadline = start + budget;
    const points = countDataPoints(metrics);
    const fail = (error: OtlpExportError): ExportResult => {
      this.#health.failure(Date.now(), error.message, points);
      return { code: ExportResultCode.FAILED, error };
    };
    if (this.#shutdown) return fail(new OtlpExportError('OTLP exporter is shut down', { attempts: 0, retryable: false }));

    let body: Uint8Array;
    try {
      body = this.#encode(metrics);
      if (this.options.compression === 'gzip' && this.#transport.compressesMessages !== true) body = await gzip(body);
    } catch (e) {
      return fail(new OtlpExportError(`OTLP metrics serialization failed: ${(e as Error).message}`, { attempts: 0, retryable: false, cause: e }));
    }

    const throttle = this.#throttledUntilMs - Date.now();
    if (throttle > 0) {
      if (throttle >= deadline - Date.now()) {
        return fail(new OtlpExportError(
          `OTLP receiver ${this.options.url} asked to wait ${throttle} ms more (Retry-After), beyond this export's ${budget} ms budget; not sent`,
          { attempts: 0, retryable: true },
        ));
      }
      await sleep(throttle);
    }

    let attempts = 0;
    let last: AttemptResult;
    for (;;) {
      attempts++;
      last = await this.#transport.send(body, Math.max(1, deadline - Date.now()));
      if (last.kind !== 'retryable') break;
      // retry-policy.ts decides whether and when; this loop only carries it out.
      const decision = nextRetry(this.options.retry, attempts, last.retryAfterMs, deadline - Date.now(), budget);
      if (!decision.retry) {
        if (decision.throttleMs !== undefined) this.#throttledUntilMs = Date.now() + decision.throttleMs;
        return fail(this.#error(last, attempts, decision.reason));
      }
      this.#health.retries++;
      diag.debug(`OTLP export to ${this.options.url}: ${last.error}; retry ${attempts} in ${Math.round(decision.waitMs)} ms`);
      await sleep(decision.waitMs);
    }

    if (last.kind === 'failure') return fail(this.#error(last, attempts, attempts > 1 ? `after ${attempts} attempts` : ''));

    this.#throttledUntilMs = 0;
    this.#health.success(Date.now());
    try {
      const partial = decodePartialSuccess(last.body, last.contentType || (this.options.protocol === 'http/json' ? CONTENT_TYPE_JSON : CONTENT_TYPE_PROTOBUF));
      if (partial !== undefined) {
        // https://opentelemetry.io/docs/specs/otlp/#partial-success-1: the request is not retried.
        const message = `OTLP receiver ${this.options.url} accepted the export partially: ${partial.rejectedDataPoints} of ${points} data points rejected${partial.errorMessage ? `: ${partial.errorMessage}` : ''}`;
        diag.warn(message);
        this.#health.droppedDataPoints += partial.rejectedDataPoints;
        this.#health.lastError = message;
        this.#health.lastErrorMs = Date.now();
      }
    } catch (e) {
      diag.warn(`OTLP receiver ${this.options.url} answered ${last.status} with a body that is not an ExportMetricsServiceResponse: ${(e as Error).message}`);
    }
    return { code: ExportResultCode.SUCCESS };
  }

  #error(last: AttemptResult & { kind: 'retryable' | 'failure' }, attempts: number, detail: string): OtlpExportError {
    const message = `OTLP export to ${this.options.url} failed: ${last.error}${detail ? ` (${detail})` : ''}`;
    return new OtlpExportError(message, {
      status: last.status,
      body: last.kind === 'failure' ? last.body : undefined,
      attempts,
      retryable: last.kind === 'retryable',
    });
  }

  /**
   * Resolves when every export started before the call has finished; rejects with the error
   * of the first of them that failed.
   */
  async forceFlush(): Promise<void> {
    const results = await Promise.all([...this.#pending]);
    const failed = results.find((r) => r.code !== ExportResultCode.SUCCESS);
    if (failed !== undefined) throw failed.error ?? new OtlpExportError('OTLP export failed', { attempts: 0, retryable: false });
  }

  /** Refuses new exports, waits for those in flight (rejecting like {@link forceFlush}), closes connections. */
  async shutdown(): Promise<void> {
    this.#shutdown = true;
    try {
      await this.forceFlush();
    } finally {
      this.#transport.close();
    }
  }

  /** https://opentelemetry.io/docs/specs/otel/metrics/sdk_exporters/otlp/ — otelkit exports cumulative totals. */
  selectAggregationTemporality(_instrumentType: InstrumentType): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }

  /**
   * The request that would export `metrics` now, encoded and compressed synchronously, for the
   * exit path (`process.exit()`, a fatal exception), where the event loop no longer runs and a
   * child process sends it. Undefined when the transport cannot be replayed as plain HTTP.
   * Built even during shutdown: the exit may come while the final async export is in flight.
   */
  finalRequest(metrics: ResourceMetrics): PreparedRequest | undefined {
    let body = this.#encode(metrics);
    if (this.options.compression === 'gzip' && this.#transport.compressesMessages !== true) body = gzipSync(body);
    return this.#transport.prepare(body);
  }

  /** Counters since construction, as plain JSON. */
  health(): ExporterHealth {
    return this.#health.snapshot();
  }
}
