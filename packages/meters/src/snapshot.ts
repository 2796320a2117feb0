import type { Attributes } from '@opentelemetry/api';
import type { MetricStore, MetricsView } from '@otelkit/metrics';
import {
  EXECUTION_TASKS,
  ROUTING_CACHE_LOOKUPS,
  ROUTING_DECISIONS,
  ROUTING_HGNN_PLANS,
  COORDINATOR_METRICS,
} from './coordinator/definitions.js';
import { bucketQuantile } from './quantile.js';

/**
 * An exporter's health as a snapshot writes it (schema v1: `null` for "never"). Not the exporter's
 * own type: that is `ExporterHealth` of @otelkit/otlp, which {@link ExporterHealthInput} accepts.
 */
export interface SnapshotExporterHealth {
  /** Unix epoch ms of the last successful export; null before the first. */
  readonly lastSuccessMs: number | null;
  /** Unix epoch ms of the last failed export; null if none failed. */
  readonly lastErrorMs: number | null;
  /** Message of the last failure; null if none failed. */
  readonly lastError: string | null;
  /** Failed exports since start. */
  readonly failures: number;
  /** Failed exports since the last success: 0 when the last export worked. */
  readonly consecutiveFailures: number;
}

/** What an exporter may hand over; missing fields read as "never" / 0, an Error becomes its message. */
export interface ExporterHealthInput {
  readonly lastSuccessMs?: number | null;
  readonly lastErrorMs?: number | null;
  readonly lastError?: unknown;
  readonly failures?: number;
  readonly consecutiveFailures?: number;
}

export interface SnapshotOptions {
  /** Unix epoch ms the process (or telemetry) started: uptime counts from here. */
  readonly startTimeMs: number;
  /** Exporter health by exporter name (`prometheus`, `otlp`). */
  readonly exporters?: Readonly<Record<string, ExporterHealthInput>>;
  /** Now, Unix epoch ms. Default `Date.now()`. */
  readonly nowMs?: number;
}

export interface SeriesValue {
  readonly attributes: Attributes;
  readonly value: number;
}

/** A counter (monotonic sum): its total over series, and each series. */
export interface CounterSnapshot {
  readonly unit: string;
  readonly total: number;
  readonly series: SeriesValue[];
}

/** A gauge or up-down counter: each series' last value. */
export interface GaugeSnapshot {
  readonly unit: string;
  readonly series: SeriesValue[];
}

/** Latency figures of a histogram or one of its series; the figures are null when `count` is 0. */
export interface LatencyStats {
  readonly count: number;
  readonly sum: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  /** Estimated from the buckets, see {@link bucketQuantile}. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

export interface HistogramSnapshot extends LatencyStats {
  readonly unit: string;
  readonly boundaries: number[];
  readonly series: (LatencyStats & { readonly attributes: Attributes })[];
}

/** Figures derived from the coordinator meters; rates are null when their denominator is 0. */
export interface CoordinatorSnapshot {
  /** `coordinator.execution.tasks`, every series. */
  readonly tasks: number;
  /** Tasks with `outcome=success` / all tasks. */
  readonly successRate: number | null;
  /** `coordinator.routing.decisions`, every series. */
  readonly decisions: number;
  /** Each route's share of the decisions (`other` included); null when there were none. */
  readonly routingRatios: { readonly fast: number; readonly planner: number; readonly hgnn: number; readonly other: number } | null;
  /** HGNN plans with `result=generated` / all HGNN plan attempts. */
  readonly planSuccessRate: number | null;
  /** Route cache lookups with `result=hit` / all lookups. */
  readonly cacheHitRate: number | null;
}

export interface TelemetrySnapshot {
  /** Bumped only on an incompatible change of this shape. */
  readonly schemaVersion: 1;
  readonly timeMs: number;
  readonly startTimeMs: number;
  readonly uptimeSeconds: number;
  /** By instrument name: counters and observable counters. */
  readonly counters: Record<string, CounterSnapshot>;
  /** By instrument name: gauges, up-down counters and their observable forms, as last observed. */
  readonly gauges: Record<string, GaugeSnapshot>;
  /** By instrument name. */
  readonly histograms: Record<string, HistogramSnapshot>;
  /** Present when the coordinator meters are registered. */
  readonly coordinator: CoordinatorSnapshot | null;
  readonly exporters: Record<string, SnapshotExporterHealth>;
}

function stats(boundaries: readonly number[], counts: readonly number[], count: number, sum: number, min: number, max: number): LatencyStats {
  if (count === 0) return { count: 0, sum: 0, min: null, max: null, mean: null, p50: null, p95: null, p99: null };
  return {
    count,
    sum,
    min,
    max,
    mean: sum / count,
    p50: bucketQuantile(0.5, boundaries, counts, min, max),
    p95: bucketQuantile(0.95, boundaries, counts, min, max),
    p99: bucketQuantile(0.99, boundaries, counts, min, max),
  };
}

function exporterHealth(h: ExporterHealthInput): SnapshotExporterHealth {
  const time = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  const e = h.lastError;
  return {
    lastSuccessMs: time(h.lastSuccessMs),
    lastErrorMs: time(h.lastErrorMs),
    lastError: e === undefined || e === null ? null : e instanceof Error ? e.message : String(e),
    failures: count(h.failures),
    consecutiveFailures: count(h.consecutiveFailures),
  };
}

function ratio(n: number, d: number): number | null {
  return d === 0 ? null : n / d;
}

/** Sums the series of counter `name` by the value of attribute `key`. */
function byAttribute(counters: Record<string, CounterSnapshot>, name: string, key: string): Map<unknown, number> {
  const out = new Map<unknown, number>();
  for (const s of counters[name]?.series ?? []) out.set(s.attributes[key], (out.get(s.attributes[key]) ?? 0) + s.value);
  return out;
}

function coordinator(counters: Record<string, CounterSnapshot>): CoordinatorSnapshot {
  const tasks = counters[EXECUTION_TASKS.name]?.total ?? 0;
  const outcomes = byAttribute(counters, EXECUTION_TASKS.name, 'outcome');
  const decisions = counters[ROUTING_DECISIONS.name]?.total ?? 0;
  const routes = byAttribute(counters, ROUTING_DECISIONS.name, 'route');
  const plans = byAttribute(counters, ROUTING_HGNN_PLANS.name, 'result');
  const cache = byAttribute(counters, ROUTING_CACHE_LOOKUPS.name, 'result');
  return {
    tasks,
    successRate: ratio(outcomes.get('success') ?? 0, tasks),
    decisions,
    routingRatios:
      decisions === 0
        ? null
        : {
            fast: (routes.get('fast') ?? 0) / decisions,
            planner: (routes.get('planner') ?? 0) / decisions,
            hgnn: (routes.get('hgnn') ?? 0) / decisions,
            other: (routes.get('other') ?? 0) / decisions,
          },
    planSuccessRate: ratio(plans.get('generated') ?? 0, counters[ROUTING_HGNN_PLANS.name]?.total ?? 0),
    cacheHitRate: ratio(cache.get('hit') ?? 0, counters[ROUTING_CACHE_LOOKUPS.name]?.total ?? 0),
  };
}

interface MergedHistogram {
  readonly unit: string;
  readonly boundaries: readonly number[];
  readonly counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
  readonly series: HistogramSnapshot['series'];
}

const COORDINATOR_NAMES = new Set(COORDINATOR_METRICS.map((d) => d.name));

/**
 * A plain-JSON summary of `store`, read from the cells the exporters read (no second tally):
 * counters, gauges as last observed, histogram latency figures, coordinator ratios, uptime and
 * exporter health. Instruments of the same name in several scopes are merged. Observable
 * instruments show the values of the last collection: this is a `store.read()`, it runs no
 * callbacks and leaves the exemplar cycle alone.
 */
export function buildSnapshot(store: MetricStore, options: SnapshotOptions): TelemetrySnapshot {
  return store.read((view) => snapshotOf(view, options));
}

function snapshotOf(view: MetricsView, options: SnapshotOptions): TelemetrySnapshot {
  const now = options.nowMs ?? Date.now();
  const counters: Record<string, CounterSnapshot> = {};
  const gauges: Record<string, GaugeSnapshot> = {};
  const histograms: Record<string, HistogramSnapshot> = {};
  const merged = new Map<string, MergedHistogram>();
  let hasCoordinator = false;
  for (const s of view.instruments) {
    const d = s.descriptor;
    if (COORDINATOR_NAMES.has(d.name)) hasCoordinator = true;
    // Like the exporters: an instrument without series is not listed.
    if (s.exportCells().length === 0) continue;
    const monotonic = d.kind === 'counter' || d.kind === 'observablecounter';
    if (s.kind === 'sum' && monotonic) {
      const c = (counters[d.name] ??= { unit: d.unit, total: 0, series: [] }) as { unit: string; total: number; series: SeriesValue[] };
      for (const cell of s.exportCells()) {
        c.series.push({ attributes: { ...cell.attributes }, value: cell.value });
        c.total += cell.value;
      }
      continue;
    }
    switch (s.kind) {
      case 'histogram': {
        let m = merged.get(d.name);
        if (m === undefined) {
          const n = d.boundaries.length + 1;
          m = { unit: d.unit, boundaries: d.boundaries, counts: new Array<number>(n).fill(0), count: 0, sum: 0, min: Infinity, max: -Infinity, series: [] };
          merged.set(d.name, m);
        }
        // Same name in another scope with other buckets: its series are listed, not merged.
        const same = m.boundaries.length === d.boundaries.length && m.boundaries.every((b, i) => b === d.boundaries[i]);
        for (const cell of s.exportCells()) {
          m.series.push({ attributes: { ...cell.attributes }, ...stats(cell.boundaries, cell.counts, cell.count, cell.sum, cell.min, cell.max) });
          if (!same || cell.count === 0) continue;
          for (let i = 0; i < cell.counts.length; i++) m.counts[i]! += cell.counts[i]!;
          m.count += cell.count;
          m.sum += cell.sum;
          if (cell.min < m.min) m.min = cell.min;
          if (cell.max > m.max) m.max = cell.max;
        }
        break;
      }
      default: {
        const g = (gauges[d.name] ??= { unit: d.unit, series: [] });
        for (const cell of s.exportCells()) g.series.push({ attributes: { ...cell.attributes }, value: cell.value });
      }
    }
  }
  for (const [name, m] of merged) {
    histograms[name] = { unit: m.unit, ...stats(m.boundaries, m.counts, m.count, m.sum, m.min, m.max), boundaries: [...m.boundaries], series: m.series };
  }
  const exporters: Record<string, SnapshotExporterHealth> = {};
  for (const [name, h] of Object.entries(options.exporters ?? {})) if (h !== null && typeof h === 'object') exporters[name] = exporterHealth(h);
  return {
    schemaVersion: 1,
    timeMs: now,
    startTimeMs: options.startTimeMs,
    uptimeSeconds: Math.max(0, (now - options.startTimeMs) / 1000),
    counters,
    gauges,
    histograms,
    coordinator: hasCoordinator ? coordinator(counters) : null,
    exporters,
  };
}
