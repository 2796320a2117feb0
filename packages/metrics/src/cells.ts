import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { ExemplarSampler } from './exemplar.js';
import type { WarnOnce } from './diag.js';

/**
 * A cell holds the aggregate of one series (one instrument × one attribute set). Bound handles
 * are cells, so a record is a property update; everything that does not change between records
 * (attributes, their key, the exposition label string) is computed once, when the cell is made.
 */
export abstract class Cell {
  /** Frozen, validated attribute set. */
  readonly attributes: Attributes;
  /** Identity key of {@link attributes}. */
  readonly key: string;
  /** Unix epoch ms when the series started (the `_created` / start_time_unix_nano). */
  startTimeMs: number;
  /**
   * Cache slot for exporters (the Prometheus serializer keeps its escaped label string here):
   * computed on the first scrape of the series, never on the record path.
   */
  exportCache: string | undefined = undefined;
  /** Collection epoch in which an observable cell was last observed. */
  observedEpoch = 0;

  constructor(attributes: Attributes, key: string, startTimeMs: number) {
    this.attributes = attributes;
    this.key = key;
    this.startTimeMs = startTimeMs;
  }
}

/** Shared per-instrument context a cell needs on its (rare) error paths. */
export interface CellContext {
  readonly warn: WarnOnce;
  readonly instrumentName: string;
  readonly integer: boolean;
}

function badValue(ctx: CellContext, value: unknown, what: string): void {
  ctx.warn.warn(
    `bad-value:${ctx.instrumentName}:${what}`,
    `instrument "${ctx.instrumentName}": dropped ${what} value ${typeof value === 'number' ? String(value) : typeof value}`,
  );
}

/** Monotonic sum (Counter, ObservableCounter) and non-monotonic sum (UpDownCounter). */
export class SumCell extends Cell {
  value = 0;
  /** Counter exemplar: a reservoir of one, uniformly sampled over the offers since the last collection. */
  exValue = 0;
  exTimeMs = 0;
  exContext: SpanContext | undefined = undefined;
  exOffered = 0;
  readonly #ctx: CellContext;
  readonly #monotonic: boolean;
  readonly #sampler: ExemplarSampler | undefined;

  constructor(attrs: Attributes, key: string, now: number, ctx: CellContext, monotonic: boolean, sampler: ExemplarSampler | undefined) {
    super(attrs, key, now);
    this.#ctx = ctx;
    this.#monotonic = monotonic;
    this.#sampler = sampler;
  }

  /** Adds `value`; never throws. Call it as a method (`cell.add(1)`). */
  add(value: number): void {
    // NaN fails `value === value`; ±Infinity fail the range checks.
    if (typeof value !== 'number' || value !== value || value === Infinity || value === -Infinity || (this.#monotonic && value < 0)) {
      this.#reject(value);
      return;
    }
    const v = this.#ctx.integer ? Math.trunc(value) : value;
    this.value += v;
    if (this.#sampler === undefined) return;
    const sc = this.#sampler();
    if (sc === undefined) return;
    const n = ++this.exOffered;
    if (n === 1 || Math.random() * n < 1) {
      this.exValue = v;
      this.exTimeMs = Date.now();
      this.exContext = sc;
    }
  }

  #reject(value: unknown): void {
    badValue(
      this.#ctx,
      value,
      typeof value !== 'number' ? 'non-number' : value !== value ? 'NaN' : value === Infinity || value === -Infinity ? 'infinite' : 'negative counter',
    );
  }

  /** Sets the cumulative value directly (observable instruments). */
  set(value: number): void {
    this.value = value;
  }
}

/** Last value (Gauge, ObservableGauge). */
export class GaugeCell extends Cell {
  value = 0;
  readonly #ctx: CellContext;

  constructor(attrs: Attributes, key: string, now: number, ctx: CellContext) {
    super(attrs, key, now);
    this.#ctx = ctx;
  }

  record(value: number): void {
    if (typeof value !== 'number' || value !== value || value === Infinity || value === -Infinity) {
      badValue(this.#ctx, value, typeof value !== 'number' ? 'non-number' : value !== value ? 'NaN' : 'infinite');
      return;
    }
    this.value = this.#ctx.integer ? Math.trunc(value) : value;
  }

  set(value: number): void {
    this.value = value;
  }
}

/**
 * Explicit-bucket histogram. Buckets are upper-inclusive, `(b[i-1], b[i]]`, like Prometheus `le`.
 * Exemplars: one slot per bucket, the last sampled measurement wins
 * (AlignedHistogramBucketExemplarReservoir).
 */
export class HistogramCell extends Cell {
  readonly boundaries: readonly number[];
  /** Per-bucket (not cumulative) counts; the last one is the +Inf bucket. A plain double array: lighter than a typed array per series. */
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;
  /** Exemplar slots, allocated on the first sampled measurement. */
  exValues: number[] | undefined = undefined;
  exTimesMs: number[] | undefined = undefined;
  exContexts: (SpanContext | undefined)[] | undefined = undefined;
  readonly #ctx: CellContext;
  readonly #sampler: ExemplarSampler | undefined;

  constructor(attrs: Attributes, key: string, now: number, ctx: CellContext, boundaries: readonly number[], sampler: ExemplarSampler | undefined) {
    super(attrs, key, now);
    this.#ctx = ctx;
    this.#sampler = sampler;
    this.boundaries = boundaries;
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  /** Records `value`; never throws. Call it as a method (`cell.record(0.2)`). */
  record(value: number): void {
    if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
      this.#reject(value);
      return;
    }
    const b = this.boundaries;
    const n = b.length;
    let i = 0;
    if (n <= 16) {
      while (i < n && value > b[i]!) i++;
    } else {
      let hi = n;
      while (i < hi) {
        const mid = (i + hi) >>> 1;
        if (value > b[mid]!) i = mid + 1;
        else hi = mid;
      }
    }
    this.counts[i]!++;
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.#sampler === undefined) return;
    const sc = this.#sampler();
    if (sc === undefined) return;
    if (this.exContexts === undefined) {
      this.exValues = new Array<number>(n + 1).fill(0);
      this.exTimesMs = new Array<number>(n + 1).fill(0);
      this.exContexts = new Array<SpanContext | undefined>(n + 1).fill(undefined);
    }
    this.exValues![i] = value;
    this.exTimesMs![i] = Date.now();
    this.exContexts[i] = sc;
  }

  #reject(value: unknown): void {
    badValue(
      this.#ctx,
      value,
      typeof value !== 'number' ? 'non-number' : value !== value ? 'NaN' : value === Infinity ? 'infinite' : 'negative histogram',
    );
  }
}

export type AnyCell = SumCell | GaugeCell | HistogramCell;
