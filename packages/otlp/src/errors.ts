import { ConfigError } from '@otelkit/metrics';

/** A configuration value that cannot work; thrown at construction, never from an export. A {@link ConfigError}. */
export class OtlpConfigError extends ConfigError {
  override readonly name = 'OtlpConfigError';

  /** `field`: the option at fault, e.g. `url`. */
  constructor(field: string, problem: string, example: string) {
    super(field, problem, example, { message: `${field}: ${problem} (example of a valid value: ${example})` });
  }
}

/**
 * Why an export failed. Same shape as upstream's `OTLPExporterError` (`code` is the HTTP status,
 * `data` the response body), without importing otlp-exporter-base: that import alone loaded ~60
 * modules (otlp-exporter-base + otlp-transformer) into every service at startup.
 */
export class OtlpExportError extends Error {
  override readonly name = 'OtlpExportError';
  /** HTTP status of the last answer, when there was one. */
  readonly code: number | undefined;
  /** Body of the last answer (truncated), when there was one. */
  readonly data: string | undefined;
  /** HTTP attempts made, the first one included. */
  readonly attempts: number;
  /** True when the last answer was retryable (429/502/503/504, network error) and the budget ran out. */
  readonly retryable: boolean;

  constructor(message: string, options: { status?: number; body?: string; attempts: number; retryable: boolean; cause?: unknown }) {
    super(message);
    this.code = options.status;
    this.data = options.body;
    this.attempts = options.attempts;
    this.retryable = options.retryable;
    if (options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** An operation (forceFlush, shutdown) did not finish within its timeout. */
export class OtlpTimeoutError extends Error {
  override readonly name = 'OtlpTimeoutError';
  readonly timeoutMillis: number;

  constructor(what: string, timeoutMillis: number) {
    super(`${what} did not finish within ${timeoutMillis} ms`);
    this.timeoutMillis = timeoutMillis;
  }
}
