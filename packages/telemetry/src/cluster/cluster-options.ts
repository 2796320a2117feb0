import { ConfigError } from '@otelkit/metrics';

/**
 * How the primary merges its workers' series into one scrape.
 * - `sum` (default): counters, up-down counters and histograms are summed per series across the
 *   workers, as the OpenTelemetry data model aggregates sums and histograms spatially
 *   (https://opentelemetry.io/docs/specs/otel/metrics/data-model/#sums). Gauges are not additive
 *   (the data model gives them no spatial sum), so they stay one series per worker, with the
 *   worker label. A worker that exits leaves its final counter and histogram values in a retained
 *   "departed" total: the summed series never go backwards, and `rate()` sees no reset.
 * - `per-worker`: every series keeps one series per worker with the worker label (what
 *   prom-client users get with one scrape target per worker); a replaced worker starts new series
 *   (a new label value) and `rate()` handles them as any new series. The series of a worker that
 *   exited are kept with their final values for `staleAfterMs`, then dropped.
 */
export type ClusterMode = 'sum' | 'per-worker';

/** Which side of the aggregation this process is; `auto` reads `node:cluster` / `node:worker_threads`. */
export type ClusterRole = 'auto' | 'primary' | 'worker';

/** `initTelemetry({ cluster })`. */
export interface ClusterOptions {
  /** Default `sum` (see {@link ClusterMode}). */
  mode?: ClusterMode;
  /**
   * Default `auto`: a `node:cluster` worker, or a `worker_threads` thread, is a worker; any other
   * process is the primary (which serves `/metrics` for all).
   */
  role?: ClusterRole;
  /** Bound on one worker's answer to a collection; a worker slower than this keeps its previous values in the scrape and shows in health(). Default 2000 ms. */
  timeoutMs?: number;
  /** How long the series of an exited worker stay (per-worker series and, in `sum` mode, gauges). Default 60000 ms; 0 drops them at the next scrape. */
  staleAfterMs?: number;
  /** Name of the label that tells workers apart in per-worker series. Default `worker`. */
  workerLabel?: string;
}

export interface ResolvedClusterOptions {
  readonly mode: ClusterMode;
  readonly role: ClusterRole;
  readonly timeoutMs: number;
  readonly staleAfterMs: number;
  readonly workerLabel: string;
}

const KEYS = ['mode', 'role', 'timeoutMs', 'staleAfterMs', 'workerLabel'];

/** Validates `options.cluster` (true = all defaults); undefined/false: no aggregation. Throws a ConfigError naming the field. */
export function resolveClusterOptions(v: unknown): ResolvedClusterOptions | undefined {
  if (v === undefined || v === false) return undefined;
  const o = (v === true ? {} : v) as Record<string, unknown>;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new ConfigError('cluster', `expected an object or true, got ${typeof v}`, "cluster: { mode: 'sum' }");
  for (const k of Object.keys(o)) {
    if (!KEYS.includes(k)) throw new ConfigError(`cluster.${k}`, `unknown option (known: ${KEYS.join(', ')})`, "cluster: { mode: 'sum' }");
  }
  const mode = o.mode ?? 'sum';
  if (mode !== 'sum' && mode !== 'per-worker') throw new ConfigError('cluster.mode', `expected 'sum' or 'per-worker', got ${JSON.stringify(mode)}`, "cluster: { mode: 'per-worker' }");
  const role = o.role ?? 'auto';
  if (role !== 'auto' && role !== 'primary' && role !== 'worker') throw new ConfigError('cluster.role', `expected 'auto', 'primary' or 'worker', got ${JSON.stringify(role)}`, "cluster: { role: 'auto' }");
  const int = (field: string, value: unknown, dflt: number, min: number, example: string): number => {
    if (value === undefined) return dflt;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 86_400_000) {
      throw new ConfigError(`cluster.${field}`, `expected an integer number of milliseconds from ${min} to 86400000, got ${JSON.stringify(value)}`, example);
    }
    return value;
  };
  const timeoutMs = int('timeoutMs', o.timeoutMs, 2000, 1, 'cluster: { timeoutMs: 2000 }');
  const staleAfterMs = int('staleAfterMs', o.staleAfterMs, 60_000, 0, 'cluster: { staleAfterMs: 60000 }');
  const workerLabel = o.workerLabel ?? 'worker';
  if (typeof workerLabel !== 'string' || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(workerLabel) || workerLabel.startsWith('__')) {
    throw new ConfigError('cluster.workerLabel', `expected a Prometheus label name, got ${JSON.stringify(workerLabel)}`, "cluster: { workerLabel: 'worker' }");
  }
  return { mode, role, timeoutMs, staleAfterMs, workerLabel };
}
