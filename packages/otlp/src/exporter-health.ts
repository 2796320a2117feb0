/**
 * What an exporter has done so far, as plain JSON (field names are stable: dashboards and the
 * telemetry package's `health()` read them).
 */
export interface ExporterHealth {
  /** Export calls that finished, successful or not. */
  readonly exports: number;
  /** Export calls that finished without delivering the data. */
  readonly failures: number;
  /** HTTP attempts beyond the first one of each export. */
  readonly retries: number;
  /**
   * Data points not delivered: all points of failed exports, plus the points a receiver rejected
   * in a partial success. With cumulative temporality a dropped point's total still arrives with
   * the next successful export; the count says how much was late or refused, not lost forever.
   */
  readonly droppedDataPoints: number;
  /** Unix epoch ms of the last successful export. */
  readonly lastSuccessMs?: number;
  /** Message of the last failure (or partial success), e.g. `HTTP 400: invalid metric`. */
  readonly lastError?: string;
  readonly lastErrorMs?: number;
  /** Failed exports since the last success; 0 when the last export succeeded. */
  readonly consecutiveFailures: number;
}

/** Mutable counters behind {@link ExporterHealth}. */
export class HealthCounters {
  exports = 0;
  failures = 0;
  retries = 0;
  droppedDataPoints = 0;
  lastSuccessMs: number | undefined = undefined;
  lastError: string | undefined = undefined;
  lastErrorMs: number | undefined = undefined;
  consecutiveFailures = 0;

  success(now: number): void {
    this.exports++;
    this.lastSuccessMs = now;
    this.consecutiveFailures = 0;
  }

  failure(now: number, error: string, points: number): void {
    this.exports++;
    this.failures++;
    this.consecutiveFailures++;
    this.droppedDataPoints += points;
    this.lastError = error;
    this.lastErrorMs = now;
  }

  /** A plain-JSON copy; optional fields are absent (not undefined) until they have a value. */
  snapshot(): ExporterHealth {
    const h: { -readonly [K in keyof ExporterHealth]: ExporterHealth[K] } = {
      exports: this.exports,
      failures: this.failures,
      retries: this.retries,
      droppedDataPoints: this.droppedDataPoints,
      consecutiveFailures: this.consecutiveFailures,
    };
    if (this.lastSuccessMs !== undefined) h.lastSuccessMs = this.lastSuccessMs;
    if (this.lastError !== undefined) h.lastError = this.lastError;
    if (this.lastErrorMs !== undefined) h.lastErrorMs = this.lastErrorMs;
    return h;
  }
}
