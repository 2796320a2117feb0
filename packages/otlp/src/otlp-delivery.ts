import { promisify } from 'node:util';
import { gzip as gzipCallback, gzipSync } from 'node:zlib';
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OtlpExportError } from './errors.js';
import { decodePartialSuccess } from './export-response.js';
import { HealthCounters, type ExporterHealth } from './exporter-health.js';
import { grpcTransport } from './grpc-transport.js';
import { HttpTransport } from './http-transport.js';
import type { OtlpSignal, ResolvedOtlpMetricsOptions } from './options.js';
import { CONTENT_TYPE_JSON, CONTENT_TYPE_PROTOBUF } from './otlp-types.js';
import { nextRetry } from './retry-policy.js';
import type { AttemptResult, OtlpTransport, PreparedRequest, TransportFactory } from './transport.js';

const gzip = promisify(gzipCallback);
export const USER_AGENT = 'otelkit-otlp/0.1.0';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The part of an OTLP exporter that does not depend on the signal: the transport (OTLP/HTTP by
 * default, OTLP/gRPC for `protocol: 'grpc'`, TLS and gzip from the options), the retry loop,
 * throttling, partial success, health, and the exports in flight. The metric and span exporters
 * each encode their own request and hand it here.
 */
export class OtlpDelivery {
  readonly options: ResolvedOtlpMetricsOptions;
  readonly transport: OtlpTransport;
  readonly #what: string;
  readonly #health = new HealthCounters();
  /** Exports not yet finished: what forceFlush() and shutdown() wait for. */
  readonly #pending = new Set<Promise<ExportResult>>();
  /** Epoch ms before which the receiver asked not to be called (Retry-After beyond an export's budget). */
  #throttledUntilMs = 0;
  #shutdown = false;

  /** `what`: the items counted in messages and health (`data points`, `spans`). */
  constructor(options: ResolvedOtlpMetricsOptions, signal: OtlpSignal, what: string, factory: TransportFactory | undefined) {
    this.options = options;
    this.#what = what;
    const json = options.protocol === 'http/json';
    const make = factory ?? (options.protocol === 'grpc' ? grpcTransport() : (settings) => new HttpTransport(settings));
    this.transport = make({
      url: options.url,
      headers: options.headers,
      contentType: json ? CONTENT_TYPE_JSON : CONTENT_TYPE_PROTOBUF,
      gzip: options.compression === 'gzip',
      userAgent: USER_AGENT,
      signal,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    });
  }

  get isShutdown(): boolean {
    return this.#shutdown;
  }

  /** Runs `work` as an export forceFlush() and shutdown() wait for. */
  track(work: Promise<ExportResult>): Promise<ExportResult> {
    this.#pending.add(work);
    void work.then(() => this.#pending.delete(work));
    return work;
  }

  /** A failed export, counted in health. */
  fail(error: OtlpExportError, items: number): ExportResult {
    this.#health.failure(Date.now(), error.message, items);
    return { code: ExportResultCode.FAILED, error };
  }

  /**
   * Delivers one encoded request (plain; gzipped here for OTLP/HTTP when compression is on):
   * retries what the retry policy says, within `timeoutMillis` (default the exporter's), and
   * resolves with the result, never rejects.
   */
  async deliver(encode: () => Uint8Array, items: number, timeoutMillis: number | undefined): Promise<ExportResult> {
    const start = Date.now();
    const budget = Math.min(this.options.timeoutMillis, timeoutMillis ?? Infinity);
    const deadline = start + budget;
    if (this.#shutdown) return this.fail(new OtlpExportError('OTLP exporter is shut down', { attempts: 0, retryable: false }), items);

    let body: Uint8Array;
    try {
      body = encode();
      if (this.options.compression === 'gzip' && this.transport.compressesMessages !== true) body = await gzip(body);
    } catch (e) {
      return this.fail(new OtlpExportError(`OTLP ${this.#what} serialization failed: ${(e as Error).message}`, { attempts: 0, retryable: false, cause: e }), items);
    }

    const throttle = this.#throttledUntilMs - Date.now();
    if (throttle > 0) {
      if (throttle >= deadline - Date.now()) {
        return this.fail(new OtlpExportError(
          `OTLP receiver ${this.options.url} asked to wait ${throttle} ms more (Retry-After), beyond this export's ${budget} ms budget; not sent`,
          { attempts: 0, retryable: true },
        ), items);
      }
      await sleep(throttle);
    }

    let attempts = 0;
    let last: AttemptResult;
    for (;;) {
      attempts++;
      last = await this.transport.send(body, Math.max(1, deadline - Date.now()));
      if (last.kind !== 'retryable') break;
      // retry-policy.ts decides whether and when; this loop only carries it out.
      const decision = nextRetry(this.options.retry, attempts, last.retryAfterMs, deadline - Date.now(), budget);
      if (!decision.retry) {
        if (decision.throttleMs !== undefined) this.#throttledUntilMs = Date.now() + decision.throttleMs;
        return this.fail(this.#error(last, attempts, decision.reason), items);
      }
      this.#health.retries++;
      diag.debug(`OTLP export to ${this.options.url}: ${last.error}; retry ${attempts} in ${Math.round(decision.waitMs)} ms`);
      await sleep(decision.waitMs);
    }

    if (last.kind === 'failure') return this.fail(this.#error(last, attempts, attempts > 1 ? `after ${attempts} attempts` : ''), items);

    this.#throttledUntilMs = 0;
    this.#health.success(Date.now());
    try {
      const partial = decodePartialSuccess(last.body, last.contentType || (this.options.protocol === 'http/json' ? CONTENT_TYPE_JSON : CONTENT_TYPE_PROTOBUF));
      if (partial !== undefined) {
        // https://opentelemetry.io/docs/specs/otlp/#partial-success-1: the request is not retried.
        const message = `OTLP receiver ${this.options.url} accepted the export partially: ${partial.rejectedDataPoints} of ${items} ${this.#what} rejected${partial.errorMessage ? `: ${partial.errorMessage}` : ''}`;
        diag.warn(message);
        this.#health.droppedDataPoints += partial.rejectedDataPoints;
        this.#health.lastError = message;
        this.#health.lastErrorMs = Date.now();
      }
    } catch (e) {
      diag.warn(`OTLP receiver ${this.options.url} answered ${last.status} with a body that is not an export response: ${(e as Error).message}`);
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

  /** The request for `body` (plain encoding), compressed synchronously, for the exit path. */
  prepare(body: Uint8Array): PreparedRequest | undefined {
    return this.transport.prepare(this.options.compression === 'gzip' && this.transport.compressesMessages !== true ? gzipSync(body) : body);
  }

  /** Resolves when every export started before the call has finished; rejects with the first failure's error. */
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
      this.transport.close();
    }
  }

  health(): ExporterHealth {
    return this.#health.snapshot();
  }
}
