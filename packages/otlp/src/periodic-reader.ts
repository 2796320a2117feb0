import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { MetricReader, type MetricProducer, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { OtlpConfigError, OtlpExportError, OtlpTimeoutError } from './errors.js';
import type { ExportOptions } from './metric-exporter.js';

export interface PeriodicExportingReaderOptions {
  readonly exporter: PushMetricExporter;
  /** Default 60000 (OTEL_METRIC_EXPORT_INTERVAL default). */
  readonly exportIntervalMillis?: number;
  /**
   * Budget of one collection + export, and the default timeout of forceFlush() and shutdown().
   * Default 30000 (OTEL_METRIC_EXPORT_TIMEOUT default).
   */
  readonly exportTimeoutMillis?: number;
  /** Extra producers collected with the bound one (sdk-metrics `metricProducers`). */
  readonly metricProducers?: MetricProducer[];
}

/** An exporter that can take a per-export budget ({@link OTLPMetricExporter} can). */
interface BudgetedExporter extends PushMetricExporter {
  exportAsync(metrics: ResourceMetrics, options?: ExportOptions): Promise<ExportResult>;
}

function hasExportAsync(e: PushMetricExporter): e is BudgetedExporter {
  return typeof (e as Partial<BudgetedExporter>).exportAsync === 'function';
}

/** Rejects with {@link OtlpTimeoutError} when `p` has not settled after `ms`; `p` keeps running. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new OtlpTimeoutError(what, ms)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/**
 * Collects and pushes metrics every `exportIntervalMillis`, one export in flight at a time (a
 * tick that finds the previous export still running is skipped). Unlike sdk-metrics'
 * PeriodicExportingMetricReader, `forceFlush()` and `shutdown()` **reject** with the export
 * error (or an {@link OtlpTimeoutError}) instead of resolving: a batch job can tell whether its
 * last metrics left the process. Both export everything recorded before the call, and are
 * bounded by their `timeoutMillis` (default `exportTimeoutMillis`).
 *
 * Temporality is cumulative, so a failed export loses nothing: the next successful one carries
 * the totals.
 *
 * @example
 * const reader = new PeriodicExportingReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 10_000 });
 * reader.setMetricProducer(new MetricProducer(meterProvider.store, resource));
 * // at exit:
 * await reader.shutdown(); // throws if the last export failed
 */
export class PeriodicExportingReader extends MetricReader {
  readonly #exporter: PushMetricExporter;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  #timer: ReturnType<typeof setInterval> | undefined = undefined;
  /** The one collection + export running now. */
  #inFlight: Promise<void> | undefined = undefined;
  /** Failed periodic exports since the last success (for logging transitions only). */
  #failing = 0;
  #skipped = 0;
  #shutdownStarted = false;
  #baseShutdown = false;

  constructor(options: PeriodicExportingReaderOptions) {
    const exporter = options.exporter;
    if (exporter === undefined || typeof exporter.export !== 'function') {
      throw new OtlpConfigError('exporter', 'a PushMetricExporter is required', 'new OTLPMetricExporter()');
    }
    super({
      aggregationSelector: exporter.selectAggregation?.bind(exporter),
      aggregationTemporalitySelector: exporter.selectAggregationTemporality?.bind(exporter),
      metricProducers: options.metricProducers,
    });
    const interval = options.exportIntervalMillis ?? 60_000;
    const timeout = options.exportTimeoutMillis ?? 30_000;
    if (!(Number.isFinite(interval) && interval > 0)) throw new OtlpConfigError('exportIntervalMillis', `${interval} is not a positive number`, '60000');
    if (!(Number.isFinite(timeout) && timeout > 0)) throw new OtlpConfigError('exportTimeoutMillis', `${timeout} is not a positive number`, '30000');
    this.#exporter = exporter;
    this.#intervalMs = interval;
    this.#timeoutMs = timeout;
  }

  /** Ticks skipped because the previous export was still running. */
  get skippedTicks(): number {
    return this.#skipped;
  }

  protected override onInitialized(): void {
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    // Telemetry must not keep a process alive; shutdown() does the final export.
    this.#timer.unref();
  }

  #tick(): void {
    if (this.#inFlight !== undefined) {
      this.#skipped++;
      diag.debug('PeriodicExportingReader: previous export still running, tick skipped');
      return;
    }
    this.#run(Date.now() + this.#timeoutMs).then(
      () => {
        if (this.#failing > 0) diag.info(`PeriodicExportingReader: export succeeded after ${this.#failing} failed attempt(s)`);
        this.#failing = 0;
      },
      (e: unknown) => {
        if (this.#failing++ === 0) {
          diag.warn(`PeriodicExportingReader: ${(e as Error).message}; trying again every ${this.#intervalMs} ms (cumulative totals: the next success carries everything)`);
        } else {
          diag.debug(`PeriodicExportingReader: export failed again (${this.#failing}): ${(e as Error).message}`);
        }
      },
    );
  }

  /** Starts one collection + export; the caller made sure none is in flight. */
  #run(deadline: number): Promise<void> {
    const p = this.#collectAndExport(deadline);
    this.#inFlight = p;
    const clear = (): void => {
      if (this.#inFlight === p) this.#inFlight = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  async #collectAndExport(deadline: number): Promise<void> {
    const { resourceMetrics, errors } = await this.collect({ timeoutMillis: Math.max(1, deadline - Date.now()) });
    if (errors.length > 0) diag.warn(`PeriodicExportingReader: ${errors.length} collection error(s): ${errors.map(String).join('; ')}`);
    if (resourceMetrics.resource.asyncAttributesPending) await resourceMetrics.resource.waitForAsyncAttributes?.();
    if (resourceMetrics.scopeMetrics.length === 0) return;
    const exporter = this.#exporter;
    const result = hasExportAsync(exporter)
      ? await exporter.exportAsync(resourceMetrics, { timeoutMillis: Math.max(1, deadline - Date.now()) })
      : await new Promise<ExportResult>((resolve) => exporter.export(resourceMetrics, resolve));
    if (result.code !== ExportResultCode.SUCCESS) {
      throw result.error ?? new OtlpExportError('metrics export failed (the exporter gave no error)', { attempts: 0, retryable: false });
    }
  }

  /** Waits for the export in flight (its data is older), then exports what is recorded now. */
  async #flush(deadline: number): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight.catch(() => undefined);
    await this.#run(deadline);
  }

  /**
   * Exports everything recorded so far. Rejects with the export's error, or with
   * {@link OtlpTimeoutError} after `timeoutMillis` (default `exportTimeoutMillis`).
   */
  override async forceFlush(options?: { timeoutMillis?: number }): Promise<void> {
    if (this.#shutdownStarted) throw new OtlpExportError('PeriodicExportingReader is shut down: nothing more can be exported', { attempts: 0, retryable: false });
    const timeout = options?.timeoutMillis ?? this.#timeoutMs;
    await withTimeout(this.#flush(Date.now() + timeout), timeout, 'PeriodicExportingReader.forceFlush');
  }

  /**
   * Stops the timer, exports everything recorded so far, shuts the exporter down. Rejects with
   * the final export's error (or the exporter's shutdown error, or {@link OtlpTimeoutError});
   * the reader is shut down either way.
   */
  override async shutdown(options?: { timeoutMillis?: number }): Promise<void> {
    if (this.#shutdownStarted) {
      diag.warn('PeriodicExportingReader: shutdown() called more than once');
      return;
    }
    this.#shutdownStarted = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    const timeout = options?.timeoutMillis ?? this.#timeoutMs;
    const deadline = Date.now() + timeout;
    const work = async (): Promise<void> => {
      let exportError: unknown;
      try {
        await this.#flush(deadline);
      } catch (e) {
        exportError = e;
      }
      try {
        await this.#exporter.shutdown();
      } catch (e) {
        exportError ??= e;
      }
      if (exportError !== undefined) throw exportError;
    };
    try {
      await withTimeout(work(), timeout, 'PeriodicExportingReader.shutdown');
    } finally {
      // Flip sdk-metrics' own flag so that collect() refuses from now on.
      this.#baseShutdown = true;
      await super.shutdown();
    }
  }

  protected override async onShutdown(): Promise<void> {
    // All the work is in shutdown(); the base class only records the state.
    if (!this.#baseShutdown) throw new Error('unreachable: shutdown() drives onShutdown()');
  }

  protected override onForceFlush(): Promise<void> {
    return this.#flush(Date.now() + this.#timeoutMs);
  }
}
